/**
 * Recovery of a capture a process that died left behind: its local journal and files first; when another machine
 * recorded it, what that machine uploaded. The part recorded before the interruption becomes the recording.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { RecordingRecord } from '../../../adapters/db/recording-repository';
import type { MediaStorage } from '../../../adapters/storage/media-storage';
import { type LiveSegment, parseMediaPlaylist } from '../../../domain/media/hls';
import { rungNameFor } from '../../../domain/media/ladder';
import { SEGMENT_FILE } from '../../../domain/media/recording-layout';
import { readStoredText } from '../../../domain/stored-objects';
import { appendSegment, captureFiles, captureKeys, type CaptureFiles, exists } from './capture-files';
import { publishFinal } from './publish';
import type { CaptureMeta, JournalLine, LiveRecorderDeps, LiveRecorderOptions } from './types';

type CaptureKeys = ReturnType<typeof captureKeys>;
type RecoveryDeps = Pick<LiveRecorderDeps, 'storage' | 'recordings' | 'probe' | 'workDir' | 'readJournal' | 'logger'>;

/** What a process that died left: the journal and local files first, storage otherwise. */
export async function recoverOne(deps: RecoveryDeps, options: LiveRecorderOptions, rec: RecordingRecord): Promise<void> {
  const log = deps.logger.child({ recordingId: rec.id, room: rec.liveClassId });
  const files = captureFiles(path.join(deps.workDir, rec.id));
  let meta: CaptureMeta | null = null;
  try {
    meta = JSON.parse(await readFile(files.meta, 'utf8')) as CaptureMeta;
  } catch {
    meta = null;
  }
  const rendition = meta?.rendition ?? rungNameFor(options.height);
  const keys = captureKeys(rec.id, rendition);
  const { segments, sourcePath, lastWrittenMs } = meta ? await fromLocalFiles(deps, files, keys) : await fromStorage(deps.storage, files, keys);

  if (segments.length === 0) {
    log.warn('a live recording was interrupted before its first segment; nothing to keep');
    await deps.recordings.stop('system', rec.id, 'Aula restarted before anything was recorded');
    await rm(files.dir, { recursive: true, force: true });
    return;
  }
  const startedMs = meta?.t0 ?? Date.parse(rec.startedAt);
  const seconds = segments.reduce((sum, s) => sum + s.durationSeconds, 0);
  // The recording ended when its last whole segment was written, paused stretches included; never before its length.
  const endedMs = Math.max(startedMs + seconds * 1000, lastWrittenMs ?? 0);
  await publishFinal(deps, options, {
    recordingId: rec.id, rendition, segments, sourcePath, chatPath: meta ? files.chat : null,
    chatAlreadyStored: !meta && (await deps.storage.stat(keys.chat)) !== null, probed: null, endedAt: new Date(endedMs).toISOString(),
    actor: 'system', reason: 'recovered after Aula restarted: the part recorded before the interruption', log,
  });
  await rm(files.dir, { recursive: true, force: true });
}

interface Recovered {
  segments: LiveSegment[];
  sourcePath: string | null;
  /** When the encoder finished the last segment kept (ms, wall clock), if known. */
  lastWrittenMs: number | null;
}

/** This machine recorded it: the journal says what was uploaded and how much of the source is whole. */
async function fromLocalFiles(deps: RecoveryDeps, files: CaptureFiles, keys: CaptureKeys): Promise<Recovered> {
  // An encoder orphaned by the crash got EOF and finishes its last segment: give it a moment.
  for (let i = 0; i < 20; i++) {
    const text = await readFile(files.playlist, 'utf8').catch(() => '');
    const info = await stat(files.playlist).catch(() => null);
    if (parseMediaPlaylist(text).ended || !info || Date.now() - info.mtimeMs > 3_000) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const journal = await deps.readJournal<JournalLine>(files.journal);
  const whole = journal.at(-1)?.sourceBytes ?? 0;
  if (await exists(files.source)) await truncate(files.source, whole);
  else await writeFile(files.source, '');
  let sourceBytes = whole;
  let lastWrittenMs: number | null = null;
  const local = parseMediaPlaylist(await readFile(files.playlist, 'utf8').catch(() => '')).segments;
  for (const seg of local.slice(journal.length)) {
    const written = await stat(files.segment(seg.uri)).catch(() => null);
    if (!SEGMENT_FILE.test(seg.uri) || !written) break;
    const line = await appendSegment(files, seg.uri, seg.durationSeconds, sourceBytes, keys.segment(seg.uri), deps.storage);
    sourceBytes = line.sourceBytes;
    lastWrittenMs = written.mtimeMs;
    journal.push(line);
  }
  // No segment was left to upload: the last one uploaded during the class says when it was written.
  const lastUploaded = journal.at(-1);
  if (lastWrittenMs === null && lastUploaded) lastWrittenMs = (await deps.storage.stat(keys.segment(lastUploaded.uri)))?.lastModified.getTime() ?? null;
  return { segments: journal, sourcePath: files.source, lastWrittenMs };
}

/** Another machine recorded it: rebuild from what it uploaded. */
async function fromStorage(storage: MediaStorage, files: CaptureFiles, keys: CaptureKeys): Promise<Recovered> {
  const text = (await storage.stat(keys.playlist)) ? await readStoredText(storage, keys.playlist) : null;
  const listed = text ? parseMediaPlaylist(text).segments : [];
  if (listed.length === 0) return { segments: [], sourcePath: null, lastWrittenMs: null };
  await mkdir(files.dir, { recursive: true });
  await writeFile(files.source, '');
  const segments: LiveSegment[] = [];
  let lastWrittenMs: number | null = null;
  for (const seg of listed) {
    const key = keys.segment(seg.uri);
    const info = await storage.stat(key);
    if (!info) break;
    await pipeline(await storage.read(key), createWriteStream(files.source, { flags: 'a' }));
    segments.push({ uri: seg.uri, durationSeconds: seg.durationSeconds, bytes: info.size });
    lastWrittenMs = info.lastModified.getTime();
  }
  return { segments, sourcePath: files.source, lastWrittenMs };
}
