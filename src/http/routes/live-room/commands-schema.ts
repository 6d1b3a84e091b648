import { z } from 'zod';
import type { ClientCommand } from '../../../contracts/live-signaling';

const Description = z.strictObject({ type: z.enum(['offer', 'answer']), sdp: z.string().min(1).max(200_000) });
const Mid = z.string().min(1).max(32);
const Source = z.enum(['camera', 'microphone', 'screen']);

/** Every message a client may send on the signaling socket. */
export const ClientCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('publish'), description: Description, sources: z.record(Mid, Source) }),
  z.strictObject({ type: z.literal('sources'), sources: z.record(Mid, Source.nullable()) }),
  z.strictObject({ type: z.literal('subscriber-answer'), description: Description }),
  z.strictObject({ type: z.literal('resubscribe'), iceRestart: z.boolean().optional() }),
  z.strictObject({ type: z.literal('chat'), text: z.string().min(1).max(2000), clientId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/).optional() }),
  z.strictObject({ type: z.literal('raise-hand'), raised: z.boolean() }),
  z.strictObject({ type: z.literal('start-class') }),
  z.strictObject({ type: z.literal('end-class') }),
  z.strictObject({ type: z.literal('record'), action: z.enum(['start', 'stop', 'pause', 'resume']) }),
  z.strictObject({ type: z.literal('allow-speak'), participantId: z.string().min(1).max(200), allowed: z.boolean() }),
  z.strictObject({ type: z.literal('mute'), participantId: z.string().min(1).max(200) }),
  z.strictObject({ type: z.literal('set-muted'), muted: z.boolean() }),
  z.strictObject({ type: z.literal('remove'), participantId: z.string().min(1).max(200) }),
]);

// Compile-time check that the schema and the signaling contract describe the same commands, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const commandsAgree: Same<z.infer<typeof ClientCommandSchema>, ClientCommand> = true;
void commandsAgree;
