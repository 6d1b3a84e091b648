import { readFile } from 'node:fs/promises';

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

/** How services read a journal: handed {@link readJsonLines} by the composition root. */
export type ReadJsonLines = <T>(file: string) => Promise<T[]>;
