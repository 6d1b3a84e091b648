import path from 'node:path';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRecord, RecordingRepository } from '../../../adapters/db/recording-repository';
import type { EgressDestination, LiveKitApi } from '../../../adapters/providers/livekit-api';
import { LiveKitApiError } from '../../../domain/providers/livekit/api-error';
import type { MediaStorage } from '../../../adapters/storage/media-storage';
import {
  advancesEgress, type EgressCaptureState, type EgressInfo, egressOutcome, egressPrefix, isTerminal, roomNameOf,
} from '../../../domain/providers/livekit/egress';
import type { JobHandler, JobQueue } from '../../../jobs/catalogue';
import type { RecordingService } from '../../recordings';
import type { LiveKitAccount } from './account';
import type { CaptureStates } from './capture-state';
import { type EgressImportDeps, publishEgress } from './egress-import';

export const ACTOR = 'provider:livekit' as const;
const START_MAX_ATTEMPTS = 4;
const SEGMENT_SECONDS = 4;
/** A room made for recording waits this long for its first participant before LiveKit closes it. */
const ROOM_EMPTY_TIMEOUT_SECONDS = 600;

export interface EgressJobsDeps {
  api: LiveKitApi;
  loadAccount(id: string): Promise<LiveKitAccount | null>;
  states: CaptureStates;
  recordings: Pick<RecordingService, 'transition' | 'finishLive' | 'queueLiveProcessing'>;
  recordingsRepo: Pick<RecordingRepository, 'get' | 'listAwaitingProvider'>;
  liveClassesRepo: Pick<LiveClassRepository, 'get'>;
  queue: Pick<JobQueue, 'enqueue'>;
  storage: MediaStorage;
  /** Aula's own bucket, which egress writes into with STORAGE=s3. */
  s3: Extract<EgressDestination, { kind: 's3' }> | null;
  /** A storage over a directory shared with the egress host. */
  openDirectory(dir: string): MediaStorage;
  probe: EgressImportDeps['probe'];
  scratchDir: string;
  /** How long a new egress may stay STARTING before it is retried once, then given up. */
  startTimeoutMs: number;
  clock: Clock;
  log: Logger;
}

/** Starting, watching, stopping and importing the egress that records a LiveKit class. */
export function egressJobs(deps: EgressJobsDeps) {
  const { api, states, recordings, log } = deps;

  async function contextOf(rec: RecordingRecord): Promise<{ account: LiveKitAccount; roomName: string } | null> {
    const cls = await deps.liveClassesRepo.get(rec.liveClassId);
    const account = cls?.providerAccountId ? await deps.loadAccount(cls.providerAccountId) : null;
    return cls && account ? { account, roomName: roomNameOf(cls.id) } : null;
  }

  function outputsOf(account: LiveKitAccount, prefix: string) {
    if (account.egress.storage === 's3') return { destination: deps.s3 ?? { kind: 'directory' as const }, requestPrefix: prefix, store: deps.storage };
    return { destination: { kind: 'directory' as const }, requestPrefix: path.posix.join(account.egress.directoryOnEgressHost, prefix), store: deps.openDirectory(account.egress.directory) };
  }

  /** Fails a recording with the reason, from wherever it is (recording, or processing while it waited). */
  async function fail(recordingId: string, reason: string) {
    const rec = await deps.recordingsRepo.get(recordingId);
    if (!rec) return;
    if (rec.status === 'recording') await recordings.transition(recordingId, { to: 'processing' }, ACTOR, 'LiveKit egress ended', { endedAt: isoNow(deps.clock) });
    if (rec.status === 'recording' || rec.status === 'processing') await recordings.transition(recordingId, { to: 'failed' }, ACTOR, 'LiveKit egress failed', { processingError: reason, progress: null });
    log.warn({ recordingId, reason }, 'LiveKit recording failed');
  }

  /** What LiveKit reports about an egress, applied once and only forward. */
  async function applyEgress(recordingId: string, info: EgressInfo): Promise<string> {
    for (let tries = 0; tries < 5; tries++) {
      const { raw, state } = await states.read(recordingId);
      if (!state || state.egressId !== info.egressId) return 'not the current egress of a recording';
      if (!advancesEgress(state.status, info.status)) return `already ${state.status ?? 'EGRESS_STARTING'}`;
      if (!(await states.replace(recordingId, raw, { ...state, status: info.status, error: info.error ?? null }))) continue;
      const outcome = egressOutcome(info);
      if (outcome.kind === 'complete') {
        const rec = await deps.recordingsRepo.get(recordingId);
        if (rec?.status === 'recording') {
          await recordings.transition(recordingId, { to: 'processing' }, ACTOR, `LiveKit egress ended by itself (${info.details ?? 'no reason given'})`, { endedAt: isoNow(deps.clock), progress: { stage: 'finishing', percent: 0 } });
        }
        await deps.queue.enqueue('livekit.import-egress', { recordingId }, { dedupeKey: `livekit-import:${recordingId}` });
      } else if (outcome.kind === 'failed') {
        await fail(recordingId, outcome.reason);
      }
      log.info({ recordingId, egressId: info.egressId, status: info.status }, 'LiveKit egress status');
      return `egress ${info.status}`;
    }
    return 'the egress changed too often meanwhile';
  }

  const startEgress: JobHandler<'livekit.start-egress'> = {
    async run({ recordingId }) {
      const rec = await deps.recordingsRepo.get(recordingId);
      if (!rec) return { outcome: 'skipped', detail: 'the recording no longer exists' };
      const { raw, state } = await states.read(recordingId);
      if (state?.egressId) return { outcome: 'skipped', detail: `egress ${state.egressId} already started` };
      if (rec.status !== 'recording') {
        if (rec.status === 'processing') await fail(recordingId, 'The recording was stopped before LiveKit started recording it, so nothing was captured.');
        return { outcome: 'skipped', detail: `recording is ${rec.status}` };
      }
      const ctx = await contextOf(rec);
      if (!ctx) {
        await fail(recordingId, 'The class\'s LiveKit account was removed, so its egress could not be started.');
        return { outcome: 'done', detail: 'no LiveKit account' };
      }
      const attempt = state?.attempt ?? 1;
      const prefix = egressPrefix(recordingId, attempt);
      const out = outputsOf(ctx.account, prefix);
      let info: EgressInfo;
      try {
        await api.ensureRoom(ctx.account.credentials, ctx.roomName, ROOM_EMPTY_TIMEOUT_SECONDS);
        info = await api.startRoomCompositeEgress(ctx.account.credentials, { roomName: ctx.roomName, prefix: out.requestPrefix, segmentSeconds: SEGMENT_SECONDS, destination: out.destination });
      } catch (err) {
        if (err instanceof LiveKitApiError && !err.retryable) {
          await fail(recordingId, `LiveKit refused to start recording: ${err.message}`);
          return { outcome: 'done', detail: 'refused' };
        }
        throw err;
      }
      const next: EgressCaptureState = { egressId: info.egressId, status: info.status, attempt, prefix, startedAt: isoNow(deps.clock), error: null };
      if (!(await states.replace(recordingId, raw, next))) {
        await api.stopEgress(ctx.account.credentials, info.egressId).catch(() => undefined);
        return { outcome: 'skipped', detail: 'another start won meanwhile' };
      }
      await deps.queue.enqueue('livekit.check-egress', { recordingId }, { dedupeKey: `livekit-check:${recordingId}:${attempt}`, delayMs: deps.startTimeoutMs });
      // Stopped while the egress was being started: it stops now.
      if ((await deps.recordingsRepo.get(recordingId))?.status !== 'recording') await deps.queue.enqueue('livekit.stop-egress', { recordingId }, { dedupeKey: `livekit-stop:${recordingId}` });
      log.info({ recordingId, egressId: info.egressId, attempt }, 'LiveKit egress started');
      return { outcome: 'done', detail: `egress ${info.egressId}` };
    },
    async onExhausted({ recordingId }, error) {
      await fail(recordingId, `LiveKit did not start recording after ${START_MAX_ATTEMPTS} attempts: ${error.message}`);
    },
  };

  const checkEgress: JobHandler<'livekit.check-egress'> = {
    async run({ recordingId }) {
      const { raw, state } = await states.read(recordingId);
      if (!state?.egressId) return { outcome: 'skipped', detail: 'no egress' };
      if (state.status !== null && state.status !== 'EGRESS_STARTING') return { outcome: 'skipped', detail: `egress is ${state.status}` };
      const rec = await deps.recordingsRepo.get(recordingId);
      const ctx = rec && (await contextOf(rec));
      if (!ctx) return { outcome: 'skipped', detail: 'the recording or its account is gone' };
      const info = await api.getEgress(ctx.account.credentials, state.egressId);
      if (info && info.status !== 'EGRESS_STARTING') return { outcome: 'done', detail: await applyEgress(recordingId, info) };
      await api.stopEgress(ctx.account.credentials, state.egressId).catch((err: unknown) => log.warn({ err, recordingId }, 'could not stop a stuck egress'));
      const seconds = Math.round(deps.startTimeoutMs / 1000);
      if (state.attempt === 1 && rec?.status === 'recording') {
        const retry: EgressCaptureState = { egressId: null, status: null, attempt: 2, prefix: egressPrefix(recordingId, 2), startedAt: null, error: info?.error ?? 'not active in time' };
        if (await states.replace(recordingId, raw, retry)) await deps.queue.enqueue('livekit.start-egress', { recordingId }, { dedupeKey: `livekit-start:${recordingId}:2`, maxAttempts: START_MAX_ATTEMPTS });
        log.warn({ recordingId, egressId: state.egressId }, `LiveKit egress not active after ${seconds} s; starting it once more`);
        return { outcome: 'done', detail: 'retrying the egress once' };
      }
      await fail(recordingId, `LiveKit's egress did not become active within ${seconds} s${state.attempt > 1 ? ', twice' : ''}: ${info?.error || info?.details || 'it stayed in EGRESS_STARTING (is anyone publishing in the room?)'}`);
      return { outcome: 'done', detail: 'gave up' };
    },
  };

  const stopEgress: JobHandler<'livekit.stop-egress'> = {
    async run({ recordingId }) {
      const { state } = await states.read(recordingId);
      if (!state?.egressId) return { outcome: 'skipped', detail: 'no egress started yet; the start stops it' };
      if (state.status && isTerminal(state.status)) return { outcome: 'skipped', detail: `egress is ${state.status}` };
      const rec = await deps.recordingsRepo.get(recordingId);
      const ctx = rec && (await contextOf(rec));
      if (!ctx) return { outcome: 'skipped', detail: 'the recording or its account is gone' };
      let info: EgressInfo | null;
      try {
        info = await api.stopEgress(ctx.account.credentials, state.egressId);
      } catch (err) {
        // Already ending or ended at LiveKit: what it says now is what counts.
        if (!(err instanceof LiveKitApiError) || err.retryable) throw err;
        info = await api.getEgress(ctx.account.credentials, state.egressId);
      }
      return { outcome: 'done', detail: info ? await applyEgress(recordingId, info) : 'LiveKit has no such egress' };
    },
  };

  const importEgress: JobHandler<'livekit.import-egress'> = {
    async run({ recordingId }) {
      const rec = await deps.recordingsRepo.get(recordingId);
      if (!rec || rec.status !== 'processing' || rec.media) return { outcome: 'skipped', detail: `recording is ${rec?.status ?? 'gone'}` };
      const { state } = await states.read(recordingId);
      if (state?.status !== 'EGRESS_COMPLETE') return { outcome: 'skipped', detail: 'the egress is not complete' };
      const ctx = await contextOf(rec);
      if (!ctx) return { outcome: 'skipped', detail: 'the account is gone' };
      const out = outputsOf(ctx.account, state.prefix);
      const published = await publishEgress({ storage: deps.storage, probe: deps.probe, scratchDir: deps.scratchDir, log }, recordingId, { store: out.store, prefix: state.prefix });
      if (!published.source) {
        await recordings.transition(recordingId, { to: 'ready' }, ACTOR, 'LiveKit egress playable (no MP4 was made, so no other renditions follow)', { media: published.media, metadata: published.metadata, processingError: null, progress: { stage: 'done', percent: 100 } });
        return { outcome: 'done', detail: 'published without an MP4' };
      }
      await recordings.finishLive(recordingId, ACTOR, 'LiveKit egress imported', {
        media: published.media, metadata: published.metadata, sourceKey: published.source.key, sourceSize: published.source.size, chatKey: null, endedAt: rec.endedAt ?? isoNow(deps.clock),
      });
      await recordings.queueLiveProcessing(recordingId);
      return { outcome: 'done', detail: `playable from ${published.media.renditions.length} egress rendition` };
    },
    async onExhausted({ recordingId }, error) {
      await fail(recordingId, `Aula could not import LiveKit's recording: ${error.message}`);
    },
  };

  /** Webhooks get lost: what should be recording, or has ended without media, is checked against ListEgress. */
  const reconcile: JobHandler<'livekit.reconcile'> = {
    async run() {
      let checked = 0;
      for (const recordingId of await deps.recordingsRepo.listAwaitingProvider('livekit', 200)) {
        const { state } = await states.read(recordingId);
        if (!state?.egressId) continue;
        if (state.status === 'EGRESS_COMPLETE') {
          await deps.queue.enqueue('livekit.import-egress', { recordingId }, { dedupeKey: `livekit-import:${recordingId}` });
          continue;
        }
        const rec = await deps.recordingsRepo.get(recordingId);
        const ctx = rec && (await contextOf(rec));
        if (!ctx) continue;
        try {
          const info = await api.getEgress(ctx.account.credentials, state.egressId);
          if (info) await applyEgress(recordingId, info);
          checked++;
        } catch (err) {
          log.warn({ err, recordingId }, 'could not reconcile a LiveKit egress');
        }
      }
      return { outcome: 'done', detail: `checked ${checked}` };
    },
  };

  return { applyEgress, startEgress, checkEgress, stopEgress, importEgress, reconcile, startMaxAttempts: START_MAX_ATTEMPTS };
}

export type EgressJobs = ReturnType<typeof egressJobs>;
