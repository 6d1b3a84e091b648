import type { PlaybackServiceDeps } from './types';
import { apiKeyOfViewer, shareLinkOfViewer } from './viewer-ids';

// A link outlives its issue by hours; a student removed from the batch (or a deleted user) loses it within this time.
// A refusal is remembered only briefly, so a re-enrolled student's new links work at once.
const ACCESS_RECHECK_MS = 30_000;
const REFUSAL_RECHECK_MS = 1_000;
// Links issued to an API key end within this time of the key's revocation.
const API_KEY_RECHECK_MS = 5_000;

/** Whether the viewer a link was issued to may still watch: checked again now and then while the link is in use. */
export function createViewerRecheck(deps: Pick<PlaybackServiceDeps, 'access' | 'users' | 'shareLinks' | 'clock'>) {
  const viewerAccess = new Map<string, { allowed: Promise<boolean>; at: number; settled: boolean | null }>();

  async function checkViewer(viewerId: string, batchId: string): Promise<boolean> {
    const shareLinkId = shareLinkOfViewer(viewerId);
    if (shareLinkId !== null) return (await deps.shareLinks?.isActive(shareLinkId, deps.clock.now().toISOString())) ?? false;
    const key = apiKeyOfViewer(viewerId);
    if (key !== undefined) {
      if (key === null) return true; // the configured admin key, which cannot be revoked
      const row = await deps.users.getApiKey(key);
      return row !== undefined && row.revoked_at === null;
    }
    const user = await deps.users.getUser(viewerId);
    if (!user) return false;
    return deps.access.assertCanView({ kind: 'user', userId: user.id, role: user.role, name: user.name }, batchId).then(() => true, () => false);
  }

  return {
    stillAllowed(viewerId: string, batchId: string): Promise<boolean> {
      const cacheKey = `${viewerId}:${batchId}`;
      const hit = viewerAccess.get(cacheKey);
      const now = deps.clock.now().getTime();
      const maxAge = hit?.settled === false ? REFUSAL_RECHECK_MS : apiKeyOfViewer(viewerId) !== undefined ? API_KEY_RECHECK_MS : ACCESS_RECHECK_MS;
      if (hit && now - hit.at < maxAge) return hit.allowed;
      const entry = { allowed: checkViewer(viewerId, batchId), at: now, settled: null as boolean | null };
      if (viewerAccess.size > 50_000) viewerAccess.clear();
      viewerAccess.set(cacheKey, entry);
      entry.allowed.then((ok) => (entry.settled = ok), () => viewerAccess.delete(cacheKey));
      return entry.allowed;
    },

    /** A fresh, successful access check (issuing links) is what media requests see from now on. */
    rememberAllowed(viewerId: string, batchId: string) {
      viewerAccess.set(`${viewerId}:${batchId}`, { allowed: Promise.resolve(true), at: deps.clock.now().getTime(), settled: true });
    },
  };
}

export type ViewerRecheck = ReturnType<typeof createViewerRecheck>;
