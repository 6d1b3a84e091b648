import type { Logger } from 'pino';
import { type Clock, isoNow } from '../adapters/clock';
import type { AuditEvent, AuditFilter, AuditRepository } from '../adapters/db/audit-repository';
import { type Principal, requireRole } from '../domain/identity';

export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}

/** Records every playback issuance, download and denial. Writes are batched off the request path. */
export function createAuditLog(deps: { audit: AuditRepository; clock: Clock; logger: Logger; flushMs?: number }) {
  let pending: AuditEvent[] = [];
  let timer: NodeJS.Timeout | null = null;

  async function flush() {
    timer = null;
    const batch = pending;
    pending = [];
    try {
      await deps.audit.append(batch);
    } catch (err) {
      deps.logger.error({ err, events: batch.length }, 'audit write failed');
    }
  }

  return {
    record(e: { actor: Principal | null; recordingId: string | null; action: string; outcome: 'allowed' | 'denied'; ctx: RequestContext; detail?: string | undefined; actorUserId?: string | null }) {
      pending.push({
        at: isoNow(deps.clock),
        actorUserId: e.actorUserId ?? (e.actor?.kind === 'user' ? e.actor.userId : null),
        actorKind: e.actor ? (e.actor.kind === 'user' ? e.actor.role : 'api-key') : 'anonymous',
        recordingId: e.recordingId, action: e.action, outcome: e.outcome, ip: e.ctx.ip, userAgent: e.ctx.userAgent?.slice(0, 400) ?? null, detail: e.detail ?? null,
      });
      if (pending.length >= 200) void flush();
      else timer ??= setTimeout(() => void flush(), deps.flushMs ?? 200);
    },
    flush,
    async list(viewer: Principal, filter: AuditFilter) {
      requireRole(viewer, 'admin');
      await flush();
      return deps.audit.list(filter);
    },
    async close() {
      if (timer) clearTimeout(timer);
      await flush();
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
