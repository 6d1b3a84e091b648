import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { SidecarRefusal } from '../../domain/media/sidecar-text';

export type PreparedChatFile = { ok: true; messages: number; skipped: number; afterEnd: number; jsonl: Buffer; vtt: Buffer } | SidecarRefusal;
export type CheckedCaptionsFile = { ok: true; cues: number; vtt: Buffer } | SidecarRefusal;

/** Chat logs and captions are decoded and checked here, on a worker thread, so a large file never stalls other requests. */
export interface SidecarText {
  prepareChat(bytes: Buffer, durationSeconds: number | null): Promise<PreparedChatFile>;
  checkCaptions(bytes: Buffer, durationSeconds: number | null): Promise<CheckedCaptionsFile>;
  close(): Promise<void>;
}

type Outcome = PreparedChatFile | CheckedCaptionsFile;
type Pending = { resolve(value: Outcome): void; reject(err: Error): void };

// Loaded through tsx's API so the same TypeScript module runs under `npm start` and under the tests.
// Results go back as transferred ArrayBuffers (no copy); the request thread wraps them in Buffers again.
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { tsImport } = await import('tsx/esm/api');
  const { runSidecarJob } = await tsImport(workerData.entry, workerData.parent);
  parentPort.on('message', (job) => {
    try {
      const result = runSidecarJob(job);
      const transfer = [];
      for (const key of ['jsonl', 'vtt']) {
        if (result[key]) {
          const copy = new Uint8Array(result[key]);
          result[key] = copy;
          transfer.push(copy.buffer);
        }
      }
      parentPort.postMessage({ id: job.id, result }, transfer);
    } catch (err) {
      parentPort.postMessage({ id: job.id, error: String((err && err.message) || err) });
    }
  });
})().catch((err) => { parentPort.postMessage({ fatal: String((err && err.stack) || err) }); });
`;

/** A Uint8Array that owns its whole ArrayBuffer, so transferring it cannot detach Node's shared buffer pool. */
function ownedBytes(bytes: Buffer): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes;
  return new Uint8Array(bytes);
}

function asBuffers(result: Outcome): Outcome {
  if (!result.ok) return result;
  const wrap = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return 'jsonl' in result ? { ...result, jsonl: wrap(result.jsonl), vtt: wrap(result.vtt) } : { ...result, vtt: wrap(result.vtt) };
}

export function createSidecarTextWorker(deps: { logger: Logger }): SidecarText {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  function failAll(err: Error) {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  }

  function start(): Worker {
    const w = new Worker(BOOTSTRAP, { eval: true, workerData: { entry: new URL('./entry.ts', import.meta.url).href, parent: import.meta.url } });
    w.unref();
    w.on('message', (msg: { id?: number; result?: Outcome; error?: string; fatal?: string }) => {
      if (msg.fatal) {
        deps.logger.error({ err: msg.fatal }, 'sidecar text worker could not start');
        failAll(new Error('The text worker could not start'));
        return;
      }
      if (msg.id === undefined) return;
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (!p) return;
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(asBuffers(msg.result!));
    });
    w.on('error', (err) => {
      deps.logger.error({ err }, 'sidecar text worker failed');
      failAll(err);
    });
    w.on('exit', () => {
      if (worker === w) worker = null;
      failAll(new Error('The text worker stopped'));
    });
    return w;
  }

  function run<T extends Outcome>(kind: 'chat' | 'captions', body: Buffer, durationSeconds: number | null): Promise<T> {
    worker ??= start();
    const id = nextId++;
    const bytes = ownedBytes(body);
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as Pending['resolve'], reject });
      worker!.postMessage({ id, kind, bytes, durationSeconds }, [bytes.buffer as ArrayBuffer]);
    });
  }

  // Started at once, so the first large file does not also pay for the thread's start.
  worker = start();

  return {
    prepareChat: (bytes, durationSeconds) => run<PreparedChatFile>('chat', bytes, durationSeconds),
    checkCaptions: (bytes, durationSeconds) => run<CheckedCaptionsFile>('captions', bytes, durationSeconds),
    async close() {
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}
