import type { LiveClassRecord } from '../../adapters/db/live-class-repository';
import { DomainError } from '../../domain/errors';
import type { LiveClassService } from '../live-classes';
import type { Actor } from '../recordings';

/** Read when an event arrives: the live class service is built after the provider modules, with their hooks. */
export type ClassMover = () => Pick<LiveClassService, 'start' | 'end'>;

/**
 * A provider says its meeting or room started or ended. Provider events repeat and arrive out of order: a class
 * already there is not an error, and an end for a class never started starts it first.
 */
export async function moveClassQuietly(classes: ClassMover, actor: Actor, cls: LiveClassRecord, to: 'live' | 'ended'): Promise<Record<string, unknown>> {
  const service = classes();
  const quietly = async (step: () => Promise<unknown>) => {
    try {
      await step();
      return null;
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'illegal_transition' || err.code === 'conflict' || err.code === 'not_found')) return err.message;
      throw err;
    }
  };
  if (to === 'ended' && cls.status === 'scheduled') await quietly(() => service.start(actor, cls.id));
  const skipped = await quietly(() => (to === 'live' ? service.start(actor, cls.id) : service.end(actor, cls.id)));
  return skipped ? { liveClassId: cls.id, ignored: skipped } : { liveClassId: cls.id, status: to };
}
