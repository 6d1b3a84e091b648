import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { FfmpegRunner } from '../adapters/media/ffmpeg-process';
import { toChatJsonLines } from '../domain/media/chat-transcript';
import { buildDemoClipArgs } from '../domain/media/ffmpeg-args/demo';
import type { RecordingService } from './recordings';

const exec = promisify(execFile);
const DEMO_SECONDS = 30;

/** Speech for the demo: spoken numbers when espeak-ng is installed, else nothing (the tone remains). */
async function speakNumbers(file: string): Promise<boolean> {
  const words = Array.from({ length: DEMO_SECONDS / 3 }, (_, i) => String(i * 3)).join('. ');
  try {
    await exec('espeak-ng', ['-s', '120', '-g', '60', '-w', file, words], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The demo workspace's first recording: a 30 s test pattern with a tone (and spoken numbers where espeak-ng exists)
 * and a short chat, uploaded into a demo class and processed by the real media pipeline.
 */
export async function createDemoRecording(deps: {
  recordings: RecordingService;
  ffmpeg: Pick<FfmpegRunner, 'run'>;
  liveClassId: string;
  workDir: string;
  logger: Logger;
  signal: AbortSignal;
}): Promise<string | null> {
  await mkdir(deps.workDir, { recursive: true });
  const video = path.join(deps.workDir, 'demo.mp4');
  const speech = path.join(deps.workDir, 'numbers.wav');
  const chat = path.join(deps.workDir, 'chat.jsonl');
  try {
    const spoken = await speakNumbers(speech);
    await deps.ffmpeg.run(buildDemoClipArgs({ seconds: DEMO_SECONDS, speech: spoken ? speech : null, output: video }), { timeoutMs: 120_000, signal: deps.signal });
    if (deps.signal.aborted) return null;
    const messages = [
      { t: 1, author: 'Ines Instructor', text: 'Welcome to Aula! This is a demo recording.' },
      { t: 6, author: 'Sam Student', text: 'Hello! Can everyone hear the numbers?' },
      { t: 12, author: 'Ines Instructor', text: 'Yes: every three seconds, a number.' },
      { t: 20, author: 'Sasha Student', text: 'Chat replays beside the video, in sync.' },
    ];
    await writeFile(chat, toChatJsonLines(messages));
    const rec = await deps.recordings.createFromFile('system', deps.liveClassId, {
      title: 'Welcome to Aula (demo recording)', localPath: video, sizeBytes: (await stat(video)).size, fileName: 'demo.mp4', source: 'demo',
      startedAt: new Date(Date.now() - 3_600_000).toISOString(), sidecars: { chatLocalPath: chat },
    });
    deps.logger.info({ recordingId: rec.id }, 'demo recording created');
    return rec.id;
  } finally {
    await rm(deps.workDir, { recursive: true, force: true });
  }
}
