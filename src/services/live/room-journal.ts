import type { Logger } from 'pino';
import type { JsonLinesJournals } from '../../adapters/json-lines';
import type { ChatMessage } from '../../contracts/live-signaling';
import type { RoomJournalEntry } from '../../domain/attendance';

/** Where each class's journal is kept; the room only appends and reads it back. */
export type RoomJournalStore = JsonLinesJournals<RoomJournalEntry>;

/** A room's journal (joins, leaves, chat) in memory, written through to its store in order. */
export class RoomJournal {
  private readonly entries: RoomJournalEntry[] = [];
  private readonly chat: ChatMessage[] = [];
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly liveClassId: string,
    private readonly store: RoomJournalStore,
    private readonly log: Logger,
    restored: readonly RoomJournalEntry[],
  ) {
    // Sessions left open by a process that died end at the last sign of life it wrote.
    const lastSeen = restored.at(-1)?.at;
    const stillOpen = new Map<string, number>();
    for (const e of restored) {
      this.entries.push(e);
      if (e.type === 'chat') this.chat.push(e.message);
      if (e.type === 'join') stillOpen.set(e.userId, (stillOpen.get(e.userId) ?? 0) + 1);
      if (e.type === 'leave') stillOpen.set(e.userId, Math.max(0, (stillOpen.get(e.userId) ?? 0) - 1));
    }
    if (lastSeen) {
      for (const [userId, n] of stillOpen) for (let i = 0; i < n; i++) this.record({ type: 'leave', at: lastSeen, userId });
    }
  }

  record(entry: RoomJournalEntry): void {
    this.entries.push(entry);
    if (entry.type === 'chat') this.chat.push(entry.message);
    this.writes = this.writes
      .then(() => this.store.append(this.liveClassId, entry))
      .catch((err: unknown) => this.log.error({ err }, 'could not write the room journal'));
  }

  chatLog(): ChatMessage[] {
    return [...this.chat];
  }

  recentChat(count: number): ChatMessage[] {
    return this.chat.slice(-count);
  }

  all(): RoomJournalEntry[] {
    return [...this.entries];
  }

  /** Resolves once every entry recorded so far is written (or its failure logged). */
  flushed(): Promise<void> {
    return this.writes;
  }
}
