import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { LIVE_LADDER_MODES, type LiveLadderMode } from './domain/media/live-ladder';

const booleanFlag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const portNumber = z.coerce.number().int().min(0).max(65535);

// Browsers refuse to build a peer connection with a malformed URL or a TURN server without credentials.
const iceServerUrl = z
  .string()
  .regex(/^(stuns?|turns?):(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/, 'must be a stun:, stuns:, turn: or turns: URL such as stun:stun.example.org:3478');
const IceServerSchema = z
  .strictObject({
    urls: z.union([iceServerUrl, z.array(iceServerUrl).min(1)], { error: 'must be a stun: or turn: URL, or a list of them' }),
    username: z.string().min(1).optional(),
    credential: z.string().min(1).optional(),
  })
  .refine((server) => ![server.urls].flat().some((url) => url.startsWith('turn')) || (server.username && server.credential), 'a turn: or turns: URL needs username and credential');

/** A JSON array of RTCIceServer objects; an issue inside it is reported under the variable's name. */
const iceServerList = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (!text?.trim()) return [];
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      ctx.addIssue('must be a JSON array such as [{"urls":"stun:stun.example.org:3478"}]');
      return z.NEVER;
    }
    const parsed = z.array(IceServerSchema).safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue?.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('') ?? '';
      ctx.addIssue(`${at ? `${at.replace(/^\./, '')}: ` : ''}${issue?.message ?? 'invalid ICE server'}`);
      return z.NEVER;
    }
    return parsed.data;
  });

const hostnamePattern = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Every environment variable Aula reads; documented in README.md. */
const EnvSchema = z.object({
  PORT: portNumber.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  // Where the other Aula processes reach this one (a room hosted here is forwarded to it); unique per process.
  AULA_INTERNAL_URL: z.url().optional(),
  AULA_ROOM_LEASE_SECONDS: z.coerce.number().int().min(3).max(300).default(15),
  // Which proxies may set X-Forwarded-For (the client address in the audit log and limits): false, true, or addresses/CIDRs.
  AULA_TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(true|false|[0-9a-fA-F:.\/]+(\s*,\s*[0-9a-fA-F:.\/]+)*)$/, 'must be true, false or a comma-separated list of addresses/CIDRs')
    .default('false')
    .transform((v): boolean | string[] => (v === 'true' ? true : v === 'false' ? false : v.split(',').map((a) => a.trim()))),
  // Which sites may show Aula's pages in a frame (the LMS that embeds them): CSP frame-ancestors sources.
  AULA_FRAME_ANCESTORS: z
    .string()
    .trim()
    .regex(/^('self'|'none'|\*|https?:\/\/[^\s;,]+)(\s+('self'|https?:\/\/[^\s;,]+))*$/, "must be 'self', 'none', * or space-separated origins such as https://lms.example.edu")
    .default("'self'"),
  AULA_DATA_DIR: z.string().min(1).default('./data'),
  // LTI: how long watch-time scores wait (and gather heartbeats) before one is posted; how often rosters are read.
  AULA_LTI_SCORE_DELAY_SECONDS: z.coerce.number().min(0).max(86_400).default(30),
  AULA_LTI_ROSTER_SYNC_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres:// or sqlite:')
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis://').optional(),
  AULA_SECRET: z.string().min(32, 'must be at least 32 characters').refine((v) => v.trim().length >= 32, 'must be at least 32 characters besides whitespace').optional(),
  AULA_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').refine((v) => v === v.trim() && v.trim().length >= 16, 'must be at least 16 characters, without leading or trailing whitespace').optional(),
  AULA_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').refine((v) => v.trim() === v && !/\s/.test(v), 'must not contain whitespace').optional(),
  AULA_DEMO: booleanFlag.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AULA_TOKEN_TTL_HOURS: z.coerce.number().positive().max(24 * 365).default(12),
  AULA_LMS_TOKEN_TTL_MINUTES: z.coerce.number().int().positive().max(24 * 60).default(60),
  AULA_MAX_JSON_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  AULA_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024 * 1024),
  AULA_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  AULA_JOB_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  AULA_JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  AULA_JOB_BACKOFF_MS: z.coerce.number().int().min(10).default(5_000),
  AULA_PLAYBACK_TTL_SECONDS: z.coerce.number().int().positive().default(6 * 3600),
  AULA_MEDIA_CACHE_MB: z.coerce.number().int().min(0).max(65_536).default(256),
  AULA_LIVE_GRACE_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).default(300),
  AULA_LIVE_QUALITY_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** `full`: a native class's whole ladder, images and download are made while it runs; `top`: its top rung only. */
  AULA_LIVE_LADDER: z.enum(LIVE_LADDER_MODES).default('full'),
  AULA_LIVE_SEATS: z.coerce.number().int().positive().max(10_000).default(50),
  AULA_LIVE_AUDIENCE_LINK_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  AULA_ICE_SERVERS: iceServerList,
  AULA_ICE_ANNOUNCED_ADDRESS: z
    .string()
    .trim()
    .refine((v) => (isIP(v) !== 0 && v !== '0.0.0.0' && v !== '::') || (isIP(v) === 0 && hostnamePattern.test(v)), 'must be the public IP address or hostname clients reach this server at')
    .optional(),
  AULA_ICE_PORT_RANGE: z
    .string()
    .trim()
    .regex(/^\d{1,5}-\d{1,5}$/, 'must be LOW-HIGH, e.g. 40000-40100')
    .transform((v): [number, number] => {
      const [low, high] = v.split('-').map(Number);
      return [low ?? 0, high ?? 0];
    })
    .refine(([low, high]) => low >= 1 && low < high && high <= 65535, 'must be LOW-HIGH with 1 <= LOW < HIGH <= 65535')
    .optional(),
  STORAGE: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: z.url().optional(),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: booleanFlag.default(true),
  ZOOM_API_BASE: z.url().default('https://api.zoom.us/v2'),
  ZOOM_OAUTH_BASE: z.url().default('https://zoom.us'),
  AULA_LIVEKIT_RECONCILE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  AULA_LIVEKIT_START_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://, e.g. smtp://user:pass@mail.example.org:587').optional(),
  AULA_MAIL_FROM: z.string().trim().min(3).optional(),
  AULA_SCHOOL_NAME: z.string().trim().min(1).max(200).default('Aula'),
  AULA_WEBHOOK_ALLOW_PRIVATE: booleanFlag.default(false),
  CLOUDFLARE_API_BASE: z.url().default('https://api.cloudflare.com/client/v4'),
  CLOUDFLARE_REALTIMEKIT_KEYS_URL: z.url().default('https://api.realtime.cloudflare.com/.well-known/webhooks.json'),
  CLOUDFLARE_DOWNLOAD_HOSTS: z.string().default('cloudflarestream.com,videodelivery.net,realtime.cloudflare.com,r2.cloudflarestorage.com')
    .transform((v) => v.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)),
  AULA_CLOUDFLARE_POLL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
});

export type Env = z.infer<typeof EnvSchema>;
export type IceServerConfig = z.infer<typeof IceServerSchema>;

export interface S3Config {
  endpoint: string | undefined;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface AppConfig {
  port: number;
  host: string;
  publicUrl: string;
  /** This process's own address for the other processes; rooms it hosts are reached there. */
  internalUrl: string;
  /** How long a room stays claimed by its host process without a renewal (a dead host's rooms move after this). */
  roomLeaseSeconds: number;
  trustProxy: boolean | string[];
  frameAncestors: string;
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  redisUrl: string | undefined;
  secret: string;
  adminKey: string | undefined;
  /** When set, /metrics answers only requests with `Authorization: Bearer <this>`. */
  metricsToken: string | undefined;
  demo: boolean;
  logLevel: Env['LOG_LEVEL'];
  tokenTtlSeconds: number;
  lmsTokenTtlSeconds: number;
  maxJsonBytes: number;
  maxUploadBytes: number;
  retentionDays: number;
  jobs: { concurrency: number; maxAttempts: number; backoffMs: number };
  playbackTtlSeconds: number;
  /** Memory for recently served segments and images (0 turns the cache off). */
  mediaCacheBytes: number;
  /** How long a native live class waits for its instructor to come back before it ends. */
  liveGraceSeconds: number;
  /** How often each live participant's connection quality is sampled for attendance. */
  liveQualitySeconds: number;
  /** What a native class's recorder makes while the class runs: every rendition (`full`) or the top one (`top`). */
  liveLadder: LiveLadderMode;
  /** Interactive WebRTC seats per native room; students beyond them watch the class's live HLS. */
  liveSeats: number;
  /** How long every viewer of a live class gets the same stream link; a link is valid for one to two of these. */
  liveAudienceLinkSeconds: number;
  /** ICE for native live classes; the servers go to the SFU and to every browser that joins. */
  ice: {
    servers: IceServerConfig[];
    /** An IP or a hostname (resolve it with resolveAnnouncedAddress at start). */
    announcedAddress: string | undefined;
    portRange: [number, number] | undefined;
  };
  storage: { kind: 'local'; dir: string } | { kind: 's3'; s3: S3Config };
  zoom: { apiBase: string; oauthBase: string };
  livekit: { reconcileSeconds: number; startTimeoutSeconds: number };
  lti: { scoreDelayMs: number; rosterSyncMs: number };
  /** Mail is sent only when both the server and the sender are set. */
  mail: { smtpUrl: string; from: string } | null;
  schoolName: string;
  /** Webhook endpoints may resolve to private and loopback addresses. */
  webhookAllowPrivate: boolean;
  cloudflare: { apiBase: string; realtimeKitKeysUrl: string; downloadHosts: string[]; pollSeconds: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse the environment once; the first problem becomes one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(`Invalid ${name}: ${issue?.message ?? 'invalid value'} (got ${JSON.stringify(env[name] ?? null)})`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.AULA_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  let storage: AppConfig['storage'];
  if (e.STORAGE === 's3') {
    for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (!e[name]) throw new ConfigError(`Invalid ${name}: required when STORAGE=s3`);
    }
    storage = {
      kind: 's3',
      s3: {
        endpoint: e.S3_ENDPOINT,
        bucket: e.S3_BUCKET!,
        region: e.S3_REGION,
        accessKeyId: e.S3_ACCESS_KEY_ID!,
        secretAccessKey: e.S3_SECRET_ACCESS_KEY!,
        forcePathStyle: e.S3_FORCE_PATH_STYLE,
      },
    };
  } else {
    storage = { kind: 'local', dir: path.join(dataDir, 'media') };
  }

  // One without the other would silently send nothing.
  if (Boolean(e.SMTP_URL) !== Boolean(e.AULA_MAIL_FROM)) throw new ConfigError(`Invalid ${e.SMTP_URL ? 'AULA_MAIL_FROM' : 'SMTP_URL'}: required when ${e.SMTP_URL ? 'SMTP_URL' : 'AULA_MAIL_FROM'} is set`);

  const database: AppConfig['database'] =
    e.DATABASE_URL && !e.DATABASE_URL.startsWith('sqlite:')
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'sqlite', file: e.DATABASE_URL ? path.resolve(e.DATABASE_URL.slice('sqlite:'.length)) : path.join(dataDir, 'aula.db') };

  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    internalUrl: (e.AULA_INTERNAL_URL ?? `http://${listenAddressForPeers(e.HOST)}:${e.PORT}`).replace(/\/$/, ''),
    roomLeaseSeconds: e.AULA_ROOM_LEASE_SECONDS,
    trustProxy: e.AULA_TRUST_PROXY,
    frameAncestors: e.AULA_FRAME_ANCESTORS,
    dataDir,
    database,
    redisUrl: e.REDIS_URL,
    secret: e.AULA_SECRET ?? loadOrCreateSecret(dataDir),
    adminKey: e.AULA_ADMIN_KEY,
    metricsToken: e.AULA_METRICS_TOKEN,
    demo: e.AULA_DEMO,
    logLevel: e.LOG_LEVEL,
    tokenTtlSeconds: Math.round(e.AULA_TOKEN_TTL_HOURS * 3600),
    lmsTokenTtlSeconds: e.AULA_LMS_TOKEN_TTL_MINUTES * 60,
    maxJsonBytes: e.AULA_MAX_JSON_BYTES,
    maxUploadBytes: e.AULA_MAX_UPLOAD_BYTES,
    retentionDays: e.AULA_RETENTION_DAYS,
    jobs: { concurrency: e.AULA_JOB_CONCURRENCY, maxAttempts: e.AULA_JOB_MAX_ATTEMPTS, backoffMs: e.AULA_JOB_BACKOFF_MS },
    playbackTtlSeconds: e.AULA_PLAYBACK_TTL_SECONDS,
    mediaCacheBytes: e.AULA_MEDIA_CACHE_MB * 1024 * 1024,
    liveGraceSeconds: e.AULA_LIVE_GRACE_SECONDS,
    liveQualitySeconds: e.AULA_LIVE_QUALITY_SECONDS,
    liveLadder: e.AULA_LIVE_LADDER,
    liveSeats: e.AULA_LIVE_SEATS,
    liveAudienceLinkSeconds: e.AULA_LIVE_AUDIENCE_LINK_SECONDS,
    ice: { servers: e.AULA_ICE_SERVERS, announcedAddress: e.AULA_ICE_ANNOUNCED_ADDRESS, portRange: e.AULA_ICE_PORT_RANGE },
    storage,
    zoom: { apiBase: e.ZOOM_API_BASE.replace(/\/$/, ''), oauthBase: e.ZOOM_OAUTH_BASE.replace(/\/$/, '') },
    livekit: { reconcileSeconds: e.AULA_LIVEKIT_RECONCILE_SECONDS, startTimeoutSeconds: e.AULA_LIVEKIT_START_TIMEOUT_SECONDS },
    lti: { scoreDelayMs: e.AULA_LTI_SCORE_DELAY_SECONDS * 1000, rosterSyncMs: e.AULA_LTI_ROSTER_SYNC_MINUTES * 60_000 },
    mail: e.SMTP_URL && e.AULA_MAIL_FROM ? { smtpUrl: e.SMTP_URL, from: e.AULA_MAIL_FROM } : null,
    schoolName: e.AULA_SCHOOL_NAME,
    webhookAllowPrivate: e.AULA_WEBHOOK_ALLOW_PRIVATE,
    cloudflare: { apiBase: e.CLOUDFLARE_API_BASE.replace(/\/$/, ''), realtimeKitKeysUrl: e.CLOUDFLARE_REALTIMEKIT_KEYS_URL, downloadHosts: e.CLOUDFLARE_DOWNLOAD_HOSTS, pollSeconds: e.AULA_CLOUDFLARE_POLL_SECONDS },
  });
}

/**
 * The address to put in ICE candidates: an IP as given, a hostname resolved once (ICE candidates carry
 * addresses, not names). IPv4 is preferred: the SFU gathers IPv4 only.
 */
export async function resolveAnnouncedAddress(address: string): Promise<string> {
  if (isIP(address) !== 0) return address;
  let found: { address: string; family: number }[];
  try {
    found = await lookup(address, { all: true });
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : 'lookup failed';
    throw new ConfigError(`Invalid AULA_ICE_ANNOUNCED_ADDRESS: ${address} does not resolve (${reason})`);
  }
  const chosen = found.find((a) => a.family === 4) ?? found[0];
  if (!chosen) throw new ConfigError(`Invalid AULA_ICE_ANNOUNCED_ADDRESS: ${address} does not resolve`);
  return chosen.address;
}

/** A wildcard bind is not an address: the others reach this process by its host name. IPv6 literals get brackets. */
function listenAddressForPeers(host: string): string {
  if (host === '0.0.0.0' || host === '::') return hostname();
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** A secret generated once per data dir so signed URLs survive restarts. */
function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
