import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Reads an append-only JSON-lines journal. A missing file is an empty journal; a line cut short by a crash
 * (the only way one goes bad) is skipped.
 */
export async function readJsonLines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const entries: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as T);
    } catch {
      /* cut short */
    }
  }
  return entries;
}

/** Append-only JSON-lines journals kept one per key: `<dir>/<key>/<fileName>`. */
export interface JsonLinesJournals<T> {
  read(key: string): Promise<T[]>;
  /** Makes the key's journal ready for appending (its folder). */
  prepare(key: string): Promise<void>;
  append(key: string, entry: T): Promise<void>;
}

export function createJsonLinesJournals<T>(dir: string, fileName: string): JsonLinesJournals<T> {
  const fileOf = (key: string) => path.join(dir, key, fileName);
  return {
    read: (key) => readJsonLines<T>(fileOf(key)),
    prepare: async (key) => {
      await mkdir(path.dirname(fileOf(key)), { recursive: true });
    },
    append: (key, entry) => appendFile(fileOf(key), `${JSON.stringify(entry)}\n`),
  };
}

/** How services read a journal: handed {@link readJsonLines} by the composition root. */
export type ReadJsonLines = <T>(file: string) => Promise<T[]>;
