import { formatClock } from './format';

type Child = Node | string;

/** Creates an element with attributes and children; text is always set as text, never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

export function render(target: HTMLElement, ...children: Child[]): void {
  target.replaceChildren(...children);
}

/** A recording's length: the same clock format as positions in it ("04:05", "1:02:03"). */
export function formatDuration(seconds: number | null | undefined): string {
  return seconds == null || !Number.isFinite(seconds) ? '–' : formatClock(seconds);
}
