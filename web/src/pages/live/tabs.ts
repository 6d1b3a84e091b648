import { el } from '../../dom';

export type RoomTab = 'video' | 'chat' | 'people';

const TABS: Array<[RoomTab, string]> = [['video', 'Video'], ['chat', 'Chat'], ['people', 'People']];

/**
 * On a phone the room shows one of video, chat and people at a time, under tabs, instead of stacking the chat
 * below everything; on a wider screen the tabs are hidden and all three are shown side by side.
 */
export class RoomTabs {
  readonly bar = el('div', { class: 'room-tabs', role: 'tablist', 'aria-label': 'Class room' });
  private readonly buttons = new Map<RoomTab, HTMLButtonElement>();

  constructor(private readonly layout: HTMLElement, panels: Record<RoomTab, HTMLElement>) {
    for (const [tab, label] of TABS) {
      const panel = panels[tab];
      panel.id ||= `room-panel-${tab}`;
      panel.dataset.panel = tab;
      const button = el('button', { type: 'button', role: 'tab', id: `room-tab-${tab}`, 'aria-controls': panel.id, 'aria-selected': 'false' }, label);
      button.addEventListener('click', () => this.select(tab));
      button.addEventListener('keydown', (e) => this.arrow(e, tab));
      this.buttons.set(tab, button);
      this.bar.append(button);
    }
    this.select('video');
  }

  select(tab: RoomTab): void {
    this.layout.dataset.tab = tab;
    for (const [t, b] of this.buttons) {
      b.setAttribute('aria-selected', String(t === tab));
      b.tabIndex = t === tab ? 0 : -1;
      if (t === tab) b.classList.remove('unread');
    }
  }

  /** Something new on a tab not shown (a chat message): the tab says so. */
  markUnread(tab: RoomTab): void {
    if (this.layout.dataset.tab !== tab) this.buttons.get(tab)?.classList.add('unread');
  }

  private arrow(e: KeyboardEvent, from: RoomTab): void {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = TABS.findIndex(([t]) => t === from);
    const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length]![0];
    this.select(next);
    this.buttons.get(next)?.focus();
  }
}
