/**
 * Where a capture keeps its files: a local folder while the class goes on (the encoder's HLS output, the growing
 * source, the chat log and the segment journal) and the recording's keys in storage.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { ProbeMedia } from '../../../adapters/media/ffprobe';
import type { MediaStorage } from '../../../adapters/storage/media-storage';
import { hlsCodecsOf } from '../../../domain/media/hls';
import { CONTENT_TYPES, recordingLayout, VARIANT_PLAYLIST } from '../../../domain/media/recording-layout';
import type { JournalLine, ProbedRendition } from './types';

export function captureFiles(dir: string) {
  const hlsDir = path.join(dir, 'hls');
  return {
    dir,
    meta: path.join(dir, 'capture.json'),
    journal: path.join(dir, 'segments.jsonl'),
    source: path.join(dir, 'source.ts'),
    chat: path.join(dir, 'chat.jsonl'),
    hlsDir,
    playlist: path.join(hlsDir, VARIANT_PLAYLIST),
    segment: (uri: string) => path.join(hlsDir, uri),
  };
}

export type CaptureFiles = ReturnType<typeof captureFiles>;

export function captureKeys(recordingId: string, rendition: string) {
  const layout = recordingLayout(recordingId);
  return {
    master: layout.master,
    playlist: layout.renditionPlaylist(rendition),
    segment: (uri: string) => layout.segment(rendition, uri),
    source: layout.source('ts'),
    chat: layout.sourceChat,
  };
}

export async function probeSegment(probe: ProbeMedia, file: string, log: Logger): Promise<ProbedRendition | null> {
  try {
    const probed = await probe(file, { timeoutMs: 20_000 });
    return {
      codecs: hlsCodecsOf(probed),
      width: probed.video?.width ?? null,
      height: probed.video?.height ?? null,
    };
  } catch (err) {
    log.warn({ err }, 'could not probe a live segment; the master playlist uses the encoder settings');
    return null;
  }
}

/** storage.putFile consumes its file; chat and the growing source are copied first. */
export async function copyForUpload(file: string): Promise<string> {
  const copy = `${file}.upload-${process.pid}-${Date.now()}`;
  await pipeline(createReadStream(file), createWriteStream(copy));
  return copy;
}

/**
 * Appends a finished segment to the growing source file, uploads it, then notes both in the journal.
 * After a crash the journal says how much of the source file is whole.
 */
export async function appendSegment(files: CaptureFiles, uri: string, durationSeconds: number, sourceBytes: number, key: string, storage: MediaStorage): Promise<JournalLine> {
  const file = files.segment(uri);
  const bytes = (await stat(file)).size;
  await pipeline(createReadStream(file), createWriteStream(files.source, { flags: 'a' }));
  const line: JournalLine = { uri, durationSeconds, bytes, sourceBytes: sourceBytes + bytes };
  await storage.putFile(key, file, CONTENT_TYPES.ts);
  await appendFile(files.journal, `${JSON.stringify(line)}\n`);
  return line;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
