import type { LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import type { AudienceStream } from '../../contracts/live-signaling';
import { AccessDenied, Conflict, NotFound } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { ViewerAccess } from '../viewer-access';
import { roomRoleOf } from './admission';
import type { AudienceSeating } from './room-seats';

export interface AudienceStreamDeps {
  liveClassRepo: Pick<LiveClassRepository, 'get'>;
  recordingsRepo: Pick<RecordingRepository, 'activeForClass'>;
  access: Pick<ViewerAccess, 'tiesOf'>;
  audience: AudienceSeating;
}

/**
 * The live HLS of a native class for one of its participants (the page renews its link this way): only the batch's
 * students and instructors and admins, only while the class is live and recorded.
 */
export function createAudienceStreams(deps: AudienceStreamDeps): (principal: Principal, liveClassId: string) => Promise<AudienceStream> {
  return async (principal, liveClassId) => {
    const cls = await deps.liveClassRepo.get(liveClassId);
    if (!cls || cls.deletedAt || cls.provider !== 'native') throw new NotFound('Live class', liveClassId);
    if (!(await roomRoleOf(deps.access, principal, cls))) throw new AccessDenied('You are not enrolled in the batch of this class, so you cannot watch it');
    if (cls.status !== 'live') throw new Conflict('This class is not live, so there is no live stream to watch');
    const [recording] = await deps.recordingsRepo.activeForClass(liveClassId);
    if (!recording) throw new Conflict('The class is live but is not being recorded, so it cannot be watched as a stream; join it to chat and ask to speak');
    return deps.audience.stream(recording.id);
  };
}
