import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Counts an operator reads at scrape time, gathered by whoever owns them (the database, the queue). */
export interface StateSources {
  recordingsByState(): Promise<{ provider: string; state: string; count: number }[]>;
  jobsByState(): Promise<{ job: string; state: string; count: number }[]>;
}

/**
 * Aula's Prometheus metrics: HTTP traffic, and what operators watch besides — recordings by provider and state,
 * time from a class's end to a playable recording, the job queue, refused webhook deliveries, live rooms and the
 * speed of FFmpeg. Gauges are read from their sources at scrape time; counters and histograms are fed as events happen.
 */
export function createHttpMetrics(sources?: StateSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({ name: 'aula_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers });
  const duration = new Histogram({
    name: 'aula_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const playable = new Histogram({
    name: 'aula_recording_time_to_playable_seconds',
    help: 'Seconds from the end of a recording (class end, stop, upload or provider webhook) until it is playable, by provider',
    labelNames: ['provider'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 3600],
    registers,
  });
  const jobAttempts = new Counter({ name: 'aula_job_attempts_total', help: 'Job attempts by job and outcome (done, failed: threw and will be retried or has failed for good)', labelNames: ['job', 'outcome'] as const, registers });
  const webhookRefused = new Counter({ name: 'aula_webhook_deliveries_refused_total', help: 'Provider webhook deliveries refused, by provider and reason', labelNames: ['provider', 'reason'] as const, registers });
  const ffmpegRealtime = new Histogram({
    name: 'aula_ffmpeg_realtime_factor',
    help: 'Seconds of media per second of FFmpeg work, by pipeline stage (live-ladder: the runs beside a native class encoder)',
    labelNames: ['stage'] as const,
    buckets: [0.5, 1, 2, 3, 5, 8, 13, 20, 50, 100, 500],
    registers,
  });
  const recordings = new Gauge({
    name: 'aula_recordings',
    help: 'Recordings by provider and state',
    labelNames: ['provider', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      for (const r of (await sources?.recordingsByState()) ?? []) this.set({ provider: r.provider, state: r.state }, r.count);
    },
  });
  const jobs = new Gauge({
    name: 'aula_jobs',
    help: 'Jobs in the queue by job and state (queued, running, failed)',
    labelNames: ['job', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      for (const r of (await sources?.jobsByState()) ?? []) this.set({ job: r.job, state: r.state }, r.count);
    },
  });
  void recordings;
  void jobs;

  return {
    registry,
    observe(method: string, route: string, status: number, seconds: number) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
    recordingPlayable(provider: string, seconds: number) {
      if (Number.isFinite(seconds) && seconds >= 0) playable.observe({ provider }, seconds);
    },
    jobAttempt(job: string, outcome: 'done' | 'failed') {
      jobAttempts.inc({ job, outcome });
    },
    /** For the webhook intake: a delivery refused (bad signature, stale timestamp, unknown account, malformed…). */
    webhookDeliveryRefused(provider: string, reason: string) {
      webhookRefused.inc({ provider, reason });
    },
    ffmpegRun(stage: string, mediaSeconds: number, wallSeconds: number) {
      if (mediaSeconds > 0 && wallSeconds > 0) ffmpegRealtime.observe({ stage }, mediaSeconds / wallSeconds);
    },
  };
}

export type HttpMetrics = ReturnType<typeof createHttpMetrics>;

/** Gauges of native live rooms in this process, read from the room service at scrape time. */
export function registerLiveRoomGauges(metrics: HttpMetrics, stats: () => { rooms: number; participants: number }) {
  const registers = [metrics.registry];
  new Gauge({ name: 'aula_live_rooms', help: 'Native live class rooms open in this process', registers, collect() { this.set(stats().rooms); } });
  new Gauge({ name: 'aula_live_participants', help: 'Participants connected to native live rooms in this process', registers, collect() { this.set(stats().participants); } });
}
