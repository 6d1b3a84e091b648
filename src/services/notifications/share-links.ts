import { type Clock, isoNow } from '../../adapters/clock';
import { newId, randomToken, sha256Hex } from '../../adapters/crypto';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import type { ShareLinkRecord, ShareLinkRepository } from '../../adapters/db/share-link-repository';
import { DomainError, NotFound, Unprocessable } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { AuditLog, RequestContext } from '../audit';
import type { PlaybackService } from '../playback';
import { actorLabel, type ViewerAccess } from '../viewer-access';
import type { Heartbeat, WatchAnalytics } from '../watch-analytics';

const MAX_DAYS = 90;

/**
 * Staff share one recording with people outside its batch (a guest lecturer, a parent): a secret link with an expiry
 * and an optional view limit, revocable. Every view is audited and watched time counts as a guest's.
 */
export function createShareLinkService(deps: {
  shareLinks: ShareLinkRepository;
  recordings: Pick<RecordingRepository, 'getForAccess'>;
  access: ViewerAccess;
  playback: Pick<PlaybackService, 'issueForShareLink'>;
  analytics: Pick<WatchAnalytics, 'guestHeartbeat'>;
  audit: AuditLog;
  clock: Clock;
  publicUrl: string;
}) {
  const { shareLinks, clock } = deps;

  function present(l: ShareLinkRecord) {
    const now = clock.now().toISOString();
    const state = l.revokedAt ? 'revoked' : l.expiresAt <= now ? 'expired' : l.maxViews !== null && l.views >= l.maxViews ? 'used-up' : 'active';
    return { ...l, state };
  }

  async function assertStaffOfRecording(actor: Principal, recordingId: string) {
    const rec = await deps.recordings.getForAccess(recordingId);
    if (!rec || rec.status === 'deleted') throw new NotFound('Recording', recordingId);
    if (actor.role === 'student') throw new DomainError('forbidden', 'Only instructors and admins can share recordings');
    await deps.access.assertCanManage(actor, rec.batchId);
    return rec;
  }

  /** The link a token names, if it may be used now; otherwise an error saying why (and the attempt is audited). */
  async function usable(token: string, ctx: RequestContext): Promise<ShareLinkRecord> {
    const link = await shareLinks.getByTokenHash(sha256Hex(token));
    const deny = (recordingId: string | null, detail: string, message: string): never => {
      deps.audit.record({ actor: null, recordingId, action: 'share.view', outcome: 'denied', ctx, detail });
      throw new DomainError('forbidden', message);
    };
    if (!link) return deny(null, 'unknown share link', 'This share link is not valid');
    if (link.revokedAt) return deny(link.recordingId, `share link ${link.id} revoked`, 'This share link was revoked');
    if (link.expiresAt <= isoNow(clock)) return deny(link.recordingId, `share link ${link.id} expired`, 'This share link has expired');
    return link;
  }

  return {
    async create(actor: Principal, recordingId: string, input: { expiresAt?: string | undefined; expiresInHours?: number | undefined; maxViews?: number | null | undefined; label?: string | undefined }) {
      await assertStaffOfRecording(actor, recordingId);
      const nowMs = clock.now().getTime();
      const expiresMs = input.expiresAt ? Date.parse(input.expiresAt) : nowMs + (input.expiresInHours ?? 7 * 24) * 3_600_000;
      if (expiresMs <= nowMs) throw new Unprocessable('expiresAt must be in the future');
      if (expiresMs > nowMs + MAX_DAYS * 86_400_000) throw new Unprocessable(`A share link lasts at most ${MAX_DAYS} days`);
      const id = newId();
      const token = randomToken(24);
      await shareLinks.insert({
        id, recordingId, tokenHash: sha256Hex(token), label: input.label ?? '', createdBy: actorLabel(actor), now: isoNow(clock),
        expiresAt: new Date(expiresMs).toISOString(), maxViews: input.maxViews ?? null,
      });
      const link = (await shareLinks.get(id))!;
      // The token is shown once: only its hash is kept.
      return { ...present(link), url: `${deps.publicUrl}/share/${token}`, token };
    },

    async list(actor: Principal, recordingId: string) {
      await assertStaffOfRecording(actor, recordingId);
      return { items: (await shareLinks.listForRecording(recordingId)).map(present) };
    },

    async revoke(actor: Principal, id: string) {
      const link = await shareLinks.get(id);
      if (!link) throw new NotFound('Share link', id);
      await assertStaffOfRecording(actor, link.recordingId);
      await shareLinks.revoke(id, actorLabel(actor), isoNow(clock));
      return present((await shareLinks.get(id))!);
    },

    /** A guest opens the link: one view counted (refused past the limit), and playback URLs bound to the link. */
    async open(token: string, ctx: RequestContext) {
      const link = await usable(token, ctx);
      // Issued first: a recording that cannot play (deleted meanwhile) does not use up a view.
      const playback = await deps.playback.issueForShareLink(link.id, link.recordingId, link.expiresAt);
      if (!(await shareLinks.countView(link.id, isoNow(clock)))) {
        deps.audit.record({ actor: null, recordingId: link.recordingId, action: 'share.view', outcome: 'denied', ctx, detail: `share link ${link.id} used up (${link.maxViews} views)` });
        throw new DomainError('forbidden', 'This share link has been used as many times as it allows');
      }
      deps.audit.record({ actor: null, recordingId: link.recordingId, action: 'share.view', outcome: 'allowed', ctx, detail: `share link ${link.id}${link.label ? ` (${link.label})` : ''}` });
      return { shareLinkId: link.id, label: link.label, expiresAt: link.expiresAt, recording: { id: link.recordingId, title: playback.title, durationSeconds: playback.durationSeconds }, playback };
    },

    async heartbeat(token: string, hb: Heartbeat, ctx: RequestContext) {
      const link = await usable(token, ctx);
      return deps.analytics.guestHeartbeat(link.id, link.recordingId, hb);
    },
  };
}

export type ShareLinkService = ReturnType<typeof createShareLinkService>;
