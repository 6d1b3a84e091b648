import type { LiveClassFilter } from '../../adapters/db/live-class-repository';
import type { PageRequest } from '../../adapters/db/pagination';
import { Conflict, Unprocessable } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { LiveClassContext } from './context';
import type { JoinInfo, LiveClassServiceDeps } from './types';

/** Seeing classes and taking part: one class, lists, how to join, who may speak. */
export function createClassViewing(deps: Pick<LiveClassServiceDeps, 'liveClasses' | 'access' | 'providers'>, ctx: LiveClassContext) {
  const { liveClasses } = deps;
  const { forViewer, mustGet } = ctx;

  return {
    async get(viewer: Principal, id: string) {
      const cls = await mustGet(id);
      await deps.access.assertCanView(viewer, cls.batchId, 'the batch of this class');
      if (viewer.role === 'student') return forViewer(viewer, cls);
      const renewHostLink = deps.providers[cls.provider]?.renewHostLink;
      return renewHostLink ? renewHostLink(cls) : cls;
    },

    async list(viewer: Principal, filter: Omit<LiveClassFilter, 'batchIds'>, page: PageRequest) {
      const result = await liveClasses.list({ ...filter, batchIds: await deps.access.batchScope(viewer) }, page);
      return { ...result, items: result.items.map((c) => forViewer(viewer, c)) };
    },

    /** How the viewer joins: Aula's room page, the provider's meeting link, or a LiveKit token for this viewer. */
    async join(viewer: Principal, id: string): Promise<JoinInfo> {
      const cls = await mustGet(id);
      await deps.access.assertCanView(viewer, cls.batchId, 'the batch of this class');
      if (cls.status === 'ended' || cls.status === 'cancelled') throw new Conflict(`Live class ${id} is '${cls.status}'; there is nothing to join`);
      const staff = await deps.access.canManage(viewer, cls.batchId);
      const hooks = deps.providers[cls.provider];
      if (hooks?.join) return hooks.join(cls, viewer, staff);
      if (cls.provider === 'native') return { provider: 'native', url: `/live/${cls.id}` };
      const data = (staff ? await (hooks?.renewHostLink?.(cls) ?? cls) : cls).providerData;
      const link = (staff && typeof data?.start_url === 'string' ? data.start_url : data?.join_url) ?? null;
      return { provider: cls.provider, url: typeof link === 'string' ? link : null };
    },

    /** The batch's staff let a student speak in a provider's room (LiveKit), or take it back. */
    async setSpeaker(viewer: Principal, id: string, userId: string, allowed: boolean) {
      const cls = await mustGet(id);
      await deps.access.assertCanManage(viewer, cls.batchId);
      const setSpeaker = deps.providers[cls.provider]?.setSpeaker;
      if (!setSpeaker) throw new Unprocessable(`Speakers are managed in the room itself for ${cls.provider} classes`);
      if (!(await deps.access.isStudentOf(userId, cls.batchId))) throw new Unprocessable(`User ${userId} is not a student of this class's batch`);
      await setSpeaker(cls, userId, allowed);
      return { liveClassId: id, userId, canPublish: allowed };
    },
  };
}
