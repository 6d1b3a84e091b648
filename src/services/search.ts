import type { Logger } from 'pino';
import type { SearchMatch, SearchResults } from '../contracts/api/search';
import type { CueMatchRow, SearchRepository } from '../adapters/db/search-repository';
import type { Principal } from '../domain/identity';
import { containsPattern } from '../domain/search-pattern';
import { parseChatLines } from '../domain/media/ladder';
import { cueText, parseVtt } from '../domain/media/webvtt';
import type { RecordingParts } from './recording-parts';
import type { ViewerAccess } from './viewer-access';

const RESULT_LIMIT = 20;
const MATCHES_PER_RECORDING = 5;
/** Recordings indexed per search at most, so one search never waits on reading thousands of files. */
const INDEX_BATCH = 100;

export type { SearchMatch, SearchResults };

/**
 * Search across what the viewer may see: course and lesson titles and descriptions, recording and class titles, and
 * the text said (captions) or written (chat) in recordings, each line with its time so a result opens the player there.
 */
export function createSearchService(deps: { search: SearchRepository; access: Pick<ViewerAccess, 'batchScope'>; readStoredText: (key: string) => Promise<string>; parts: RecordingParts; logger: Logger }) {
  /** Brings caption and chat lines of recordings in scope up to date; a file that cannot be read is logged and skipped. */
  async function refreshIndex(scope: string[] | null) {
    for (const rec of await deps.search.staleForIndex(scope, INDEX_BATCH)) {
      const cues: Omit<CueMatchRow, 'recordingId'>[] = [];
      try {
        if (rec.captionsKey) {
          for (const cue of parseVtt(await deps.readStoredText(rec.captionsKey))) {
            const text = cueText(cue.text).replace(/\s+/g, ' ').trim();
            if (text) cues.push({ kind: 'caption', startSeconds: cue.start, text });
          }
        }
        if (rec.chatKey) {
          for (const m of parseChatLines(await deps.readStoredText(rec.chatKey)).messages) cues.push({ kind: 'chat', startSeconds: m.t, text: `${m.author}: ${m.text}` });
        }
      } catch (err) {
        deps.logger.warn({ err, recordingId: rec.id }, 'could not read captions or chat for search');
        continue;
      }
      await deps.search.replaceCues(rec.id, cues, rec);
    }
  }

  return {
    async search(viewer: Principal, query: string): Promise<SearchResults> {
      const scope = await deps.access.batchScope(viewer);
      await refreshIndex(scope);
      const pattern = containsPattern(query);
      const [courses, lessons, titled, cues] = await Promise.all([
        deps.search.courses(scope, pattern, RESULT_LIMIT),
        deps.search.lessons(scope, pattern, RESULT_LIMIT),
        deps.search.recordingsByTitle(scope, pattern, RESULT_LIMIT),
        deps.search.cueMatches(scope, pattern, 400),
      ]);
      const matches = new Map<string, SearchMatch[]>();
      for (const c of cues) {
        const list = matches.get(c.recordingId) ?? [];
        if (list.length < MATCHES_PER_RECORDING) list.push({ kind: c.kind, at: c.startSeconds, text: c.text });
        matches.set(c.recordingId, list);
      }
      const titledSet = new Set(titled);
      const ids = [...new Set([...titled, ...matches.keys()])].slice(0, RESULT_LIMIT);
      const summaries = new Map((await deps.search.recordingSummaries(ids)).map((r) => [r.id, r]));
      const parts = await deps.parts([...summaries.values()].map((r) => ({ id: r.id, liveClassId: r.liveClass.id })));
      return {
        query,
        courses: courses.map((c) => ({ id: c.id, title: c.title, description: c.description })),
        lessons,
        recordings: ids.flatMap((id) => {
          const r = summaries.get(id);
          return r ? [{ ...r, part: parts.get(id) ?? null, titleMatch: titledSet.has(id), matches: matches.get(id) ?? [] }] : [];
        }),
      };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
