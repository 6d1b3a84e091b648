import { isoNow } from '../../adapters/clock';
import type { Principal } from '../../domain/identity';
import type { Actor } from '../recordings';
import type { LiveClassContext } from './context';
import type { LiveClassServiceDeps } from './types';

/** A class going live and ending, with its recordings started and stopped as it does. */
export function createClassRunning(deps: Pick<LiveClassServiceDeps, 'recordings' | 'recordingsRepo' | 'providers' | 'clock'>, ctx: LiveClassContext) {
  const { clock } = deps;
  const { move } = ctx;

  return {
    /** Starts the class; with auto-record on, recording starts too. */
    async start(actor: Principal | Actor, id: string) {
      const cls = await move(actor, id, 'live', { startedAt: isoNow(clock) });
      const inCloud = deps.providers[cls.provider]?.recordsInProviderCloud;
      const recording = cls.autoRecord && !(typeof inCloud === 'function' ? inCloud(cls) : inCloud) ? await deps.recordings.start(actor, id, 'auto-record: class started') : null;
      return { liveClass: cls, recording };
    },

    /** Ends the class; every recording still running is stopped and handed to processing. */
    async end(actor: Principal | Actor, id: string) {
      const cls = await move(actor, id, 'ended', { endedAt: isoNow(clock) });
      const stopped = [];
      for (const rec of await deps.recordingsRepo.activeForClass(id)) stopped.push(await deps.recordings.stop(actor, rec.id, 'class ended'));
      return { liveClass: cls, stoppedRecordings: stopped };
    },
  };
}
