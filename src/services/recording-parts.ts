import type { HomeRepository } from '../adapters/db/home-repository';
import type { RecordingPart } from '../contracts/api/recordings';

/** "part 2 of 3": where a recording stands among its class's ready recordings (each start→stop is its own). */
export type { RecordingPart };

/** Part numbers for a page of recordings, from one query over their classes. Null for a class's only recording. */
export function createRecordingParts(repo: Pick<HomeRepository, 'readyOfClasses'>) {
  return async function partsOf(items: readonly { id: string; liveClassId: string }[]): Promise<Map<string, RecordingPart | null>> {
    const classIds = [...new Set(items.map((i) => i.liveClassId))];
    const byClass = new Map<string, string[]>();
    for (const r of await repo.readyOfClasses(classIds)) {
      const list = byClass.get(r.liveClassId) ?? [];
      list.push(r.id);
      byClass.set(r.liveClassId, list);
    }
    const parts = new Map<string, RecordingPart | null>();
    for (const item of items) {
      const list = byClass.get(item.liveClassId) ?? [];
      const index = list.indexOf(item.id);
      parts.set(item.id, list.length > 1 && index >= 0 ? { number: index + 1, of: list.length } : null);
    }
    return parts;
  };
}

export type RecordingParts = ReturnType<typeof createRecordingParts>;
