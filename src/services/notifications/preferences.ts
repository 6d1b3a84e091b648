import { type Clock, isoNow } from '../../adapters/clock';
import type { NotificationRepository } from '../../adapters/db/notification-repository';
import { DomainError } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../domain/notifications/unsubscribe-token';

/** Each user's mail setting, changed signed in or through the signed link in every mail. */
export function createNotificationPreferences(deps: { notifications: NotificationRepository; clock: Clock; unsubscribeKey: Buffer; publicUrl: string; mailEnabled: boolean }) {
  function userOfToken(token: string): string {
    const userId = verifyUnsubscribeToken(token, deps.unsubscribeKey);
    if (!userId) throw new DomainError('forbidden', 'This unsubscribe link is not valid');
    return userId;
  }
  return {
    unsubscribeUrl: (userId: string) => `${deps.publicUrl}/api/v1/notifications/unsubscribe?token=${encodeURIComponent(signUnsubscribeToken(userId, deps.unsubscribeKey))}`,

    async mine(viewer: Principal) {
      if (viewer.kind !== 'user') throw new DomainError('bad_request', 'Notification settings belong to a user, not an API key');
      return { mailServer: deps.mailEnabled, ...(await deps.notifications.getSettings(viewer.userId)) };
    },

    async setMine(viewer: Principal, patch: { email: boolean }) {
      if (viewer.kind !== 'user') throw new DomainError('bad_request', 'Notification settings belong to a user, not an API key');
      await deps.notifications.setEmailEnabled(viewer.userId, patch.email, isoNow(deps.clock));
      return { mailServer: deps.mailEnabled, ...(await deps.notifications.getSettings(viewer.userId)) };
    },

    /** From the link in a mail: no sign-in, the signature says whose mail to change. */
    async setByToken(token: string, email: boolean) {
      const userId = userOfToken(token);
      await deps.notifications.setEmailEnabled(userId, email, isoNow(deps.clock));
      return { email };
    },
  };
}

export type NotificationPreferences = ReturnType<typeof createNotificationPreferences>;
