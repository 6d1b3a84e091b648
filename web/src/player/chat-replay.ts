import { el } from '../dom';
import { formatClock } from '../format';
import { type ChatCue, lastStartedAt, parseChat } from '../vtt';

/**
 * The chat beside the video: messages appear as the recording reaches them, the current one highlighted, each
 * with its time as a button that jumps there. The list follows the newest message unless the viewer scrolled up.
 */
export function createChatReplay(chatUrl: string | null, seekTo: (seconds: number) => void): { element: HTMLElement; update(t: number): void; followLatest(): void } {
  const chatList = el('ol', { class: 'chat-list' });
  const chatEmpty = el('p', { class: 'muted chat-empty' }, 'Loading chat…');
  const chatCount = el('span', { class: 'muted' });
  const element = el('aside', { id: 'chat', class: 'chat-panel', 'aria-label': 'Chat replay' }, el('h3', {}, 'Chat ', chatCount), chatEmpty, chatList);
  let chatCues: ChatCue[] = [];
  let chatItems: HTMLLIElement[] = [];
  let shown = 0;
  let current = -1;
  let stickToBottom = true;
  let lastTime = 0;

  chatList.addEventListener('scroll', () => {
    stickToBottom = chatList.scrollHeight - chatList.scrollTop - chatList.clientHeight < 24;
  });

  function update(t: number) {
    lastTime = t;
    if (chatItems.length === 0) return;
    const upTo = lastStartedAt(chatCues, t) + 1;
    const grew = upTo > shown;
    if (upTo !== shown) {
      for (let i = Math.min(upTo, shown); i < Math.max(upTo, shown); i++) chatItems[i]!.hidden = i >= upTo;
      shown = upTo;
    }
    const cue = chatCues[upTo - 1];
    const now = cue && t < cue.end ? upTo - 1 : -1;
    if (now !== current) {
      if (current >= 0) chatItems[current]?.classList.remove('current');
      if (now >= 0) chatItems[now]?.classList.add('current');
      current = now;
    }
    chatEmpty.hidden = shown > 0;
    if (grew && stickToBottom) chatList.scrollTop = chatList.scrollHeight;
  }

  async function load() {
    if (!chatUrl) return;
    try {
      const res = await fetch(chatUrl);
      if (!res.ok) throw new Error(`chat ${res.status}`);
      chatCues = parseChat(await res.text());
    } catch {
      chatEmpty.textContent = 'The chat could not be loaded.';
      return;
    }
    chatCount.textContent = `· ${chatCues.length} message${chatCues.length === 1 ? '' : 's'}`;
    chatEmpty.textContent = chatCues.length === 0 ? 'No messages were sent in this class.' : 'Messages appear here as the recording plays.';
    chatItems = chatCues.map((cue, i) => {
      const at = el('button', { type: 'button', class: 'chat-time', title: 'Jump to this moment' }, formatClock(cue.start));
      at.addEventListener('click', () => seekTo(cue.start));
      return el('li', { class: 'chat-msg', 'data-index': String(i), 'data-start': cue.start.toFixed(3), hidden: '' },
        at, el('strong', { class: 'chat-author' }, cue.author || 'Anonymous'), el('span', { class: 'chat-text' }, cue.text));
    });
    chatList.replaceChildren(...chatItems);
    shown = 0;
    current = -1;
    update(lastTime);
  }
  void load();
  return {
    element,
    update,
    /** After a seek the list follows the newest message again. */
    followLatest: () => {
      stickToBottom = true;
    },
  };
}
