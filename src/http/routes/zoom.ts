import { z } from 'zod';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam } from '../schemas';
import type { Principal } from '../../domain/identity';

const DateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((v) => (v.length === 10 ? v : new Date(v).toISOString().slice(0, 10)));
const SyncQuery = z.object({ from: DateOrTime.optional(), to: DateOrTime.optional() });

export type ZoomSync = (actor: Principal, accountId: string, range: { from?: string | undefined; to?: string | undefined }) => Promise<unknown>;

/** Zoom's one route of its own: importing cloud recordings whose webhook never came. */
export function registerZoomRoutes(app: HttpApp, sync: ZoomSync) {
  app.post(
    '/api/v1/providers/zoom/:id/sync',
    { schema: { tags: ['providers'], summary: 'Import the account\'s cloud recordings of Aula classes between two dates (UTC, default the last 30 days) that are not in Aula yet (admin)', params: IdParam, querystring: SyncQuery } },
    async (req) => sync(principalOf(req), req.params.id, req.query),
  );
}
