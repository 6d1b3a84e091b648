import { createHash, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { EgressInfoSchema } from './egress';

/**
 * LiveKit's webhook wire format: `Authorization: <JWT>` (no `Bearer`), HS256 with the API secret, `iss` = API key,
 * `sha256` = padded base64 of SHA-256 over the raw body; the body is protojson. No I/O.
 */

/** LiveKit's own Go verifier allows a minute of clock skew. */
export const LIVEKIT_CLOCK_TOLERANCE_SECONDS = 60;

export type LiveKitSignatureCheck = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'stale' };

export async function verifyLiveKitWebhook(input: { apiKey: string; apiSecret: string; authorization: string | undefined; rawBody: Buffer; nowMs: number }): Promise<LiveKitSignatureCheck> {
  const token = input.authorization?.trim();
  if (!token || token.startsWith('Bearer ') || token.split('.').length !== 3) return { ok: false, reason: 'missing_signature' };
  let claims: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, new TextEncoder().encode(input.apiSecret), {
      algorithms: ['HS256'], issuer: input.apiKey, clockTolerance: LIVEKIT_CLOCK_TOLERANCE_SECONDS, currentDate: new Date(input.nowMs),
    });
    claims = verified.payload;
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired || (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf')) return { ok: false, reason: 'stale' };
    return { ok: false, reason: 'bad_signature' };
  }
  if (typeof claims.exp !== 'number') return { ok: false, reason: 'bad_signature' };
  const expected = Buffer.from(createHash('sha256').update(input.rawBody).digest('base64'), 'utf8');
  const given = Buffer.from(typeof claims.sha256 === 'string' ? claims.sha256 : '', 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}

const ParticipantSchema = z.object({
  sid: z.string().max(200).optional(),
  identity: z.string().max(400).default(''),
  name: z.string().max(400).optional(),
  // Protojson enum names; the egress recorder joins as EGRESS.
  kind: z.string().max(40).optional(),
  joinedAt: z.string().max(40).optional(),
});

const RoomSchema = z.object({ sid: z.string().max(200).optional(), name: z.string().min(1).max(400) });

const Base = { id: z.string().min(1).max(200), createdAt: z.string().max(40).optional() };

export const LiveKitEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('egress_started'), ...Base, egressInfo: EgressInfoSchema }),
  z.object({ event: z.literal('egress_updated'), ...Base, egressInfo: EgressInfoSchema }),
  z.object({ event: z.literal('egress_ended'), ...Base, egressInfo: EgressInfoSchema }),
  z.object({ event: z.literal('room_started'), ...Base, room: RoomSchema }),
  z.object({ event: z.literal('room_finished'), ...Base, room: RoomSchema }),
  z.object({ event: z.literal('participant_joined'), ...Base, room: RoomSchema, participant: ParticipantSchema }),
  z.object({ event: z.literal('participant_left'), ...Base, room: RoomSchema, participant: ParticipantSchema }),
  z.object({ event: z.literal('participant_connection_aborted'), ...Base, room: RoomSchema, participant: ParticipantSchema }),
]);
export type LiveKitEvent = z.infer<typeof LiveKitEventSchema>;
const HANDLED: readonly string[] = LiveKitEventSchema.options.map((o) => o.shape.event.value);

export type LiveKitEventParse = { kind: 'event'; event: LiveKitEvent } | { kind: 'ignored'; event: string } | { kind: 'invalid'; message: string };

export function parseLiveKitEvent(body: unknown): LiveKitEventParse {
  const name = typeof body === 'object' && body !== null && 'event' in body ? (body as { event: unknown }).event : undefined;
  if (typeof name !== 'string') return { kind: 'invalid', message: 'The body has no "event" name' };
  if (!HANDLED.includes(name)) return { kind: 'ignored', event: name };
  const parsed = LiveKitEventSchema.safeParse(body);
  if (!parsed.success) return { kind: 'invalid', message: `Malformed ${name} event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  return { kind: 'event', event: parsed.data };
}
