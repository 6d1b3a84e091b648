import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

/**
 * LiveKit's wire details shared by the emulator: ids, Twirp errors, JSON naming, request schemas, and the JWTs of the
 * API (Bearer, verified) and of webhooks (signed, with a `sha256` claim over the raw body).
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A LiveKit-style id: a prefix (`EG_`, `RM_`, `PA_`, `EV_`) and 12 base62 characters. */
export function livekitId(prefix: string): string {
  const bytes = randomBytes(12);
  let id = prefix;
  for (const byte of bytes) id += BASE62[byte % 62];
  return id;
}

/** Twirp error codes and the HTTP status Twirp maps each to. */
export const TWIRP_STATUS = {
  canceled: 408, unknown: 500, invalid_argument: 400, malformed: 400, deadline_exceeded: 408, not_found: 404,
  bad_route: 404, already_exists: 409, permission_denied: 403, unauthenticated: 401, resource_exhausted: 429,
  failed_precondition: 412, aborted: 409, out_of_range: 400, unimplemented: 501, internal: 500, unavailable: 503,
  dataloss: 500,
} as const;
export type TwirpCode = keyof typeof TWIRP_STATUS;

export class TwirpFailure extends Error {
  constructor(readonly code: TwirpCode, message: string, readonly meta: Record<string, string> = {}) {
    super(message);
  }
}

/** Twirp's error body: `meta` is left out when empty, as Twirp's own server does; content-type exactly application/json. */
export function sendTwirpError(res: http.ServerResponse, failure: TwirpFailure): void {
  const body: { code: string; msg: string; meta?: Record<string, string> } = { code: failure.code, msg: failure.message };
  if (Object.keys(failure.meta).length > 0) body.meta = failure.meta;
  const text = JSON.stringify(body);
  res.writeHead(TWIRP_STATUS[failure.code], { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** LiveKit's auth middleware answers a bad token before Twirp sees it: plain text, status 401. */
export function sendPlainUnauthorized(res: http.ServerResponse, message: string): void {
  res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(message) });
  res.end(message);
}

// ------------------------------------------------------------------ JSON naming

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Enum names whose number is 0: protojson omits them with the other zero values. */
const ZERO_ENUMS = new Set(['EGRESS_STARTING', 'EGRESS_SOURCE_TYPE_WEB', 'DEFAULT_MIXING', 'DEFAULT_FILETYPE', 'DEFAULT_SEGMENTED_FILE_PROTOCOL', 'INDEX', 'STANDARD', 'JOINING', 'UNKNOWN_REASON', 'H264_720P_30']);

const isZero = (value: Json): boolean =>
  value === '' || value === '0' || value === 0 || value === false || value === null || (Array.isArray(value) && value.length === 0) || (typeof value === 'string' && ZERO_ENUMS.has(value));

/** protojson with zero values omitted (webhook bodies: Go's `protojson.Marshal`). Nested messages stay, even when empty. */
export function omitZeroValues(value: Json): Json {
  if (Array.isArray(value)) return value.map(omitZeroValues);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [key, field] of Object.entries(value)) if (!isZero(field)) out[key] = omitZeroValues(field);
  return out;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** Twirp's default JSON (LiveKit's API answers): proto field names (snake_case) and every zero value emitted. */
export function toProtoNames(value: Json): Json {
  if (Array.isArray(value)) return value.map(toProtoNames);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [key, field] of Object.entries(value)) out[key === 'aliOSS' ? key : snake(key)] = toProtoNames(field);
  return out;
}

/** protojson accepts both the proto name and the JSON name of a field: requests are read in camelCase. */
export function toJsonNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonNames);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[camel(key)] = toJsonNames(field);
  return out;
}

// ------------------------------------------------------------------ request schemas

/** int64/uint32 arrive as numbers or decimal strings in protojson. */
const protoInt = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);

export const s3UploadSchema = z.object({
  accessKey: z.string().default(''), secret: z.string().default(''), sessionToken: z.string().optional(), region: z.string().default(''),
  endpoint: z.string().default(''), bucket: z.string().min(1, 's3.bucket is required'), forcePathStyle: z.boolean().default(false),
  metadata: z.record(z.string(), z.string()).optional(), tagging: z.string().optional(), contentDisposition: z.string().optional(),
});
export type S3Upload = z.infer<typeof s3UploadSchema>;

/** Cloud uploads the emulator has no stand-in for: refused rather than silently ignored. */
const unsupportedUploads = { gcp: z.unknown().optional(), azure: z.unknown().optional(), aliOSS: z.unknown().optional() };

export const fileOutputSchema = z.object({
  fileType: z.enum(['DEFAULT_FILETYPE', 'MP4', 'OGG', 'MP3']).default('DEFAULT_FILETYPE'),
  filepath: z.string().default(''), disableManifest: z.boolean().default(false), s3: s3UploadSchema.optional(), ...unsupportedUploads,
});
export type FileOutputRequest = z.infer<typeof fileOutputSchema>;

export const segmentOutputSchema = z.object({
  protocol: z.enum(['DEFAULT_SEGMENTED_FILE_PROTOCOL', 'HLS_PROTOCOL']).default('DEFAULT_SEGMENTED_FILE_PROTOCOL'),
  filenamePrefix: z.string().default(''), playlistName: z.string().default(''), livePlaylistName: z.string().default(''),
  segmentDuration: protoInt.default(0), filenameSuffix: z.enum(['INDEX', 'TIMESTAMP']).default('INDEX'), disableManifest: z.boolean().default(false),
  s3: s3UploadSchema.optional(), ...unsupportedUploads,
});
export type SegmentOutputRequest = z.infer<typeof segmentOutputSchema>;

const outputFields = {
  file: fileOutputSchema.optional(), segments: segmentOutputSchema.optional(), stream: z.unknown().optional(),
  fileOutputs: z.array(fileOutputSchema).default([]), segmentOutputs: z.array(segmentOutputSchema).default([]),
  streamOutputs: z.array(z.unknown()).default([]), imageOutputs: z.array(z.unknown()).default([]),
  preset: z.string().optional(), advanced: z.record(z.string(), z.unknown()).optional(), webhooks: z.array(z.unknown()).default([]),
};

export const roomCompositeSchema = z.object({
  roomName: z.string().default(''), layout: z.string().default(''), audioOnly: z.boolean().default(false), videoOnly: z.boolean().default(false),
  customBaseUrl: z.string().default(''), audioMixing: z.string().optional(), ...outputFields,
});
export const participantSchema = z.object({ roomName: z.string().default(''), identity: z.string().default(''), screenShare: z.boolean().default(false), ...outputFields });
export const trackCompositeSchema = z.object({ roomName: z.string().default(''), audioTrackId: z.string().default(''), videoTrackId: z.string().default(''), ...outputFields });
export type StartRequest = z.infer<typeof roomCompositeSchema> | z.infer<typeof participantSchema> | z.infer<typeof trackCompositeSchema>;

export const stopSchema = z.object({ egressId: z.string().default('') });
export const listSchema = z.object({ roomName: z.string().default(''), egressId: z.string().default(''), active: z.boolean().default(false) });
export const createRoomSchema = z.object({ name: z.string().default(''), emptyTimeout: protoInt.default(0), departureTimeout: protoInt.default(0), maxParticipants: protoInt.default(0), metadata: z.string().default('') });
export const deleteRoomSchema = z.object({ room: z.string().default('') });

/** Parses a Twirp JSON body into a schema's shape, or throws the Twirp error LiveKit's server would answer. */
export function parseTwirpBody<S extends z.ZodType>(raw: string, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(raw === '' ? '{}' : raw);
  } catch {
    throw new TwirpFailure('malformed', 'the json request could not be decoded');
  }
  const parsed = schema.safeParse(toJsonNames(json));
  if (!parsed.success) throw new TwirpFailure('malformed', `the json request could not be decoded: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

// ------------------------------------------------------------------ tokens

/** The `video` grant of an API token, as far as the Egress and Room APIs look at it. */
export interface VideoGrant {
  roomRecord?: boolean;
  roomCreate?: boolean;
  roomList?: boolean;
}

/** go-jose's default leeway, which LiveKit's verifier uses for `exp` and `nbf`. */
const API_LEEWAY_SECONDS = 60;

export type TokenCheck = { ok: true; video: VideoGrant | undefined } | { ok: false; message: string };

/**
 * LiveKit's API key middleware: `Authorization` must start with `Bearer `; the token's `iss` names the API key, whose
 * secret must verify the HS256 signature; `exp`/`nbf` hold within a minute. No header at all passes with no grants.
 */
export async function checkApiToken(header: string | undefined, keys: ReadonlyMap<string, string>): Promise<TokenCheck> {
  if (header === undefined || header === '') return { ok: true, video: undefined };
  if (!header.startsWith('Bearer ')) return { ok: false, message: 'invalid authorization header. Must start with Bearer ' };
  const token = header.slice('Bearer '.length);
  let issuer: unknown;
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    issuer = payload.iss;
  } catch {
    return { ok: false, message: 'invalid authorization token' };
  }
  const secret = typeof issuer === 'string' ? keys.get(issuer) : undefined;
  if (secret === undefined) return { ok: false, message: `invalid API key: ${String(issuer ?? '')}` };
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], issuer: issuer as string, clockTolerance: API_LEEWAY_SECONDS });
    const video = payload.video as VideoGrant | undefined;
    return { ok: true, video: video !== null && typeof video === 'object' ? video : undefined };
  } catch (err) {
    const reason = err instanceof joseErrors.JOSEError ? err.message : String(err);
    return { ok: false, message: `invalid token: ${token}, error: ${reason}` };
  }
}

/** SHA-256 of the raw body, standard padded base64: the webhook token's `sha256` claim. */
export function bodySha256(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('base64');
}

/** The `Authorization` value of a webhook (no `Bearer`): HS256, iss = API key, nbf/iat now, exp +5 min, sha256. */
export async function signWebhook(body: string, apiKey: string, apiSecret: string, nowSeconds: number): Promise<string> {
  return new SignJWT({ sha256: bodySha256(body) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(apiKey)
    .setNotBefore(nowSeconds)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + 5 * 60)
    .sign(new TextEncoder().encode(apiSecret));
}

export type { Json };
