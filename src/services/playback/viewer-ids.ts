import type { Principal } from '../../domain/identity';

/** A share link's media carry this viewer id instead of a user's. */
export const shareViewerId = (shareLinkId: string) => `share-${shareLinkId}`;
export function shareLinkOfViewer(viewerId: string): string | null {
  return viewerId.startsWith('share-') ? viewerId.slice('share-'.length) : null;
}

/**
 * Who a link is issued to, as it travels in the token: a user id, `key-{apiKeyId}` for an API key (so revoking the
 * key ends its links), or `key` for the configured admin key.
 */
export function viewerIdOf(viewer: Principal): string {
  if (viewer.kind === 'user') return viewer.userId;
  return viewer.apiKeyId ? `key-${viewer.apiKeyId}` : 'key';
}

/** The API key a link's viewer id names: its id, null for the configured admin key, undefined for a user. */
export function apiKeyOfViewer(viewerId: string): string | null | undefined {
  if (viewerId === 'key') return null;
  return viewerId.startsWith('key-') ? viewerId.slice(4) : undefined;
}
