import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { runFfmpeg } from '../adapters/media/ffmpeg-process';
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
export async function createDemoRecording(deps: { recordings: RecordingService; liveClassId: string; workDir: string; logger: Logger; signal: AbortSignal }): Promise<string | null> {
  await mkdir(deps.workDir, { recursive: true });
  const video = path.join(deps.workDir, 'demo.mp4');
  const speech = path.join(deps.workDir, 'numbers.wav');
  const chat = path.join(deps.workDir, 'chat.jsonl');
  try {
    const spoken = await speakNumbers(speech);
    const args = ['-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${DEMO_SECONDS}`,
      '-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${DEMO_SECONDS}`];
    if (spoken) args.push('-i', speech, '-filter_complex', '[1:a]volume=0.15[tone];[2:a]apad[voice];[tone][voice]amix=inputs=2:duration=first[a]', '-map', '0:v', '-map', '[a]');
    args.push('-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '120', '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', '-t', String(DEMO_SECONDS), video);
    await runFfmpeg(args, { timeoutMs: 120_000, signal: deps.signal });
    if (deps.signal.aborted) return null;
    const messages = [
      { t: 1, author: 'Ines Instructor', text: 'Welcome to Aula! This is a demo recording.' },
      { t: 6, author: 'Sam Student', text: 'Hello! Can everyone hear the numbers?' },
      { t: 12, author: 'Ines Instructor', text: 'Yes: every three seconds, a number.' },
      { t: 20, author: 'Sasha Student', text: 'Chat replays beside the video, in sync.' },
    ];
    await writeFile(chat, messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
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
