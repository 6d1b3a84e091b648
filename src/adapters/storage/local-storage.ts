import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, readdir, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../../domain/errno';
import {
  assertStorageKey,
  assertStoragePrefix,
  StorageObjectNotFound,
  type ByteRange,
  type MediaStorage,
  type StoredObjectInfo,
} from './media-storage';

const TMP_DIR = '.tmp';

/** Media files in a directory; every write lands in `.tmp` first and is renamed into place. */
export class LocalMediaStorage implements MediaStorage {
  readonly kind = 'local' as const;
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  /** Absolute path of a key (the HTTP layer may serve it directly). */
  pathFor(key: string): string {
    assertStorageKey(key);
    return path.join(this.rootDir, ...key.split('/'));
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.pathFor(key);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      // Same filesystem: one rename is atomic and copies nothing.
      await rename(localPath, target);
      return;
    } catch (err) {
      if (errnoCode(err) !== 'EXDEV') throw err;
    }
    const tmp = await this.tmpPath();
    try {
      await copyFile(localPath, tmp);
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await unlink(localPath);
  }

  async putBuffer(key: string, body: Buffer | string): Promise<void> {
    const target = this.pathFor(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = await this.tmpPath();
    try {
      await writeFile(tmp, body);
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  async stat(key: string): Promise<StoredObjectInfo | null> {
    try {
      const s = await stat(this.pathFor(key));
      return s.isFile() ? { size: s.size, lastModified: s.mtime } : null;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const file = this.pathFor(key);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR' || errnoCode(err) === 'EISDIR') {
        throw new StorageObjectNotFound(key);
      }
      throw err;
    }
    // Opening first turns a missing file into a typed error instead of a stream error event.
    // 1 MiB reads: a segment goes out in a few large writes instead of dozens of 64 KiB ones.
    return handle.createReadStream({ highWaterMark: 1024 * 1024, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async localPathFor(key: string): Promise<{ path: string; cleanup(): Promise<void> }> {
    const file = this.pathFor(key);
    if (!(await this.stat(key))) throw new StorageObjectNotFound(key);
    return { path: file, cleanup: async () => undefined };
  }

  async delete(key: string): Promise<void> {
    const file = this.pathFor(key);
    try {
      await unlink(file);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
      throw err;
    }
    await this.pruneEmptyDirs(path.dirname(file));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    const dirs = new Set<string>();
    for (const key of keys) {
      const file = this.pathFor(key);
      await unlink(file).catch((err: unknown) => {
        if (errnoCode(err) !== 'ENOENT') throw err;
      });
      dirs.add(path.dirname(file));
    }
    // Deepest first so parents become empty before they are checked.
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await this.pruneEmptyDirs(dir);
    return keys.length;
  }

  async list(prefix: string): Promise<string[]> {
    assertStoragePrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash === -1 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    await this.walk(baseKey, prefix, keys);
    return keys.sort();
  }

  private async walk(dirKey: string, prefix: string, out: string[]): Promise<void> {
    const dir = dirKey === '' ? this.rootDir : path.join(this.rootDir, ...dirKey.split('/'));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
      throw err;
    }
    for (const entry of entries) {
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (dirKey === '' && entry.name === TMP_DIR) continue;
      if (entry.isDirectory()) {
        // Only descend where a key below could still match the prefix.
        if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        out.push(key);
      }
    }
  }

  private async pruneEmptyDirs(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.rootDir + path.sep)) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (or already gone): stop climbing
      }
      current = path.dirname(current);
    }
  }

  private async tmpPath(): Promise<string> {
    const dir = path.join(this.rootDir, TMP_DIR);
    await mkdir(dir, { recursive: true });
    return path.join(dir, randomUUID());
  }
}
