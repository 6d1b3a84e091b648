import type { Logger } from 'pino';
import type { Clock } from '../../../adapters/clock';
import type { LiveClassRecord } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { ZoomApi } from '../../../adapters/providers/zoom-api';
import { ZoomApiError } from '../../../domain/providers/zoom/api-error';
import { NotFound, Unprocessable } from '../../../domain/errors';
import { type Principal, requireRole } from '../../../domain/identity';
import { groupZoomSegments } from '../../../domain/providers/zoom/webhook';
import type { ZoomAccount } from './account';
import type { ZoomImportJobs } from './import-jobs';
import { externalRefOf } from './refs';

/** Zoom lists recordings by UTC date, at most a month at a time. */
function dateWindows(from: string, to: string): { from: string; to: string }[] {
  const windows: { from: string; to: string }[] = [];
  let start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  while (start <= end) {
    const stop = Math.min(end, start + 29 * 86_400_000);
    windows.push({ from: new Date(start).toISOString().slice(0, 10), to: new Date(stop).toISOString().slice(0, 10) });
    start = stop + 86_400_000;
  }
  return windows;
}

export interface ZoomSyncDeps {
  api: ZoomApi;
  loadAccount(id: string): Promise<ZoomAccount | null>;
  classFor(account: ZoomAccount, meetingId: string): Promise<LiveClassRecord | null>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  jobs: Pick<ZoomImportJobs, 'enqueueImport'>;
  clock: Clock;
  log: Logger;
}

/** Imports cloud recordings of Aula classes whose webhook never arrived (or whose import failed), without duplicates. */
export function zoomSync(deps: ZoomSyncDeps) {
  return async function sync(actor: Principal, accountId: string, range: { from?: string | undefined; to?: string | undefined }) {
    requireRole(actor, 'admin');
    const account = await deps.loadAccount(accountId);
    if (!account) throw new NotFound('Zoom account', accountId);
    const today = deps.clock.now().toISOString().slice(0, 10);
    const to = range.to ?? today;
    const from = range.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
    const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
    if (!(span >= 0)) throw new Unprocessable(`from (${from}) must not be after to (${to})`);
    if (span > 366) throw new Unprocessable('Sync at most a year at a time');
    const result = { from, to, meetings: 0, unknownMeetings: 0, segments: 0, alreadyImported: 0, enqueued: 0 };
    const seen = new Set<string>();
    try {
      for (const window of dateWindows(from, to)) {
        for await (const meeting of deps.api.listRecordings(account.credentials, account.hostUser, window)) {
          if (seen.has(meeting.uuid)) continue;
          seen.add(meeting.uuid);
          result.meetings++;
          const cls = await deps.classFor(account, String(meeting.id));
          if (!cls) {
            result.unknownMeetings++;
            continue;
          }
          for (const segment of groupZoomSegments(meeting.recording_files)) {
            result.segments++;
            const existing = await deps.recordingsRepo.getByExternalRef(externalRefOf(segment.media.id));
            if (existing && !(existing.status === 'failed' && !existing.sourceKey)) {
              result.alreadyImported++;
              continue;
            }
            await deps.jobs.enqueueImport(account.id, { id: String(meeting.id), uuid: meeting.uuid }, segment.media.id, null);
            result.enqueued++;
          }
        }
      }
    } catch (err) {
      if (err instanceof ZoomApiError) throw new Unprocessable(`Zoom's recording list could not be read: ${err.message}`);
      throw err;
    }
    deps.log.info({ accountId, ...result }, 'Zoom sync done');
    return result;
  };
}
