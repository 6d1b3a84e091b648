import { el } from '../dom';

export interface ShortcutActions {
  togglePlay(): void;
  seekBy(seconds: number): void;
  seekToFraction(fraction: number): void;
  toggleMute(): void;
  volumeBy(delta: number): void;
  toggleFullscreen(): void;
  toggleCaptions(): void;
  speedStep(direction: 1 | -1): void;
}

/** What the "?" overlay lists; one place, so the list and the keys cannot disagree. */
export const SHORTCUTS: readonly { keys: string[]; does: string }[] = [
  { keys: ['Space', 'K'], does: 'Play or pause' },
  { keys: ['←', '→'], does: 'Back or forward 5 seconds' },
  { keys: ['J', 'L'], does: 'Back or forward 10 seconds' },
  { keys: ['0', '…', '9'], does: 'Jump to 0 %, 10 %, … 90 % of the recording' },
  { keys: ['↑', '↓'], does: 'Volume up or down (while the player has focus)' },
  { keys: ['M'], does: 'Mute or unmute' },
  { keys: ['C'], does: 'Captions on or off' },
  { keys: ['<', '>'], does: 'Slower or faster' },
  { keys: ['F'], does: 'Full screen' },
  { keys: ['?'], does: 'Show these shortcuts' },
];

function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && target.type !== 'range' && target.type !== 'checkbox' && target.type !== 'button';
}

/**
 * Shortcuts work on the whole page while the player is shown, except while typing in a field (chat, search) and for
 * keys a focused control uses itself (Space on a button, arrows on a slider).
 */
export function installShortcuts(stage: HTMLElement, actions: ShortcutActions): { help: HTMLDialogElement; showHelp(): void; dispose(): void } {
  const close = el('button', { type: 'button', class: 'secondary', value: 'close' }, 'Close');
  const help = el('dialog', { class: 'shortcuts-help', 'aria-labelledby': 'shortcuts-title' },
    el('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'),
    el('dl', {}, ...SHORTCUTS.flatMap((s) => [el('dt', {}, ...s.keys.flatMap((k, i) => (i ? [' ', el('kbd', {}, k)] : [el('kbd', {}, k)]))), el('dd', {}, s.does)])),
    close);
  close.addEventListener('click', () => help.close());
  const showHelp = () => {
    if (!help.isConnected) document.body.append(help);
    if (!help.open) help.showModal();
  };

  const onKey = (e: KeyboardEvent) => {
    if (!stage.isConnected || help.open || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typingInto(e.target)) return;
    const t = e.target;
    const onButton = t instanceof HTMLButtonElement || t instanceof HTMLAnchorElement || (t instanceof HTMLElement && t.tagName === 'SUMMARY');
    const onSlider = t instanceof HTMLInputElement && t.type === 'range';
    const inPlayer = t instanceof Node && stage.contains(t);
    const key = e.key;
    if (key === '?') showHelp();
    else if ((key === ' ' && !onButton && !onSlider) || key === 'k' || key === 'K') actions.togglePlay();
    else if ((key === 'ArrowLeft' || key === 'ArrowRight') && !onSlider) actions.seekBy(key === 'ArrowLeft' ? -5 : 5);
    else if (key === 'j' || key === 'J' || key === 'l' || key === 'L') actions.seekBy(key.toLowerCase() === 'j' ? -10 : 10);
    else if (/^[0-9]$/.test(key)) actions.seekToFraction(Number(key) / 10);
    else if ((key === 'ArrowUp' || key === 'ArrowDown') && inPlayer && !onSlider) actions.volumeBy(key === 'ArrowUp' ? 0.1 : -0.1);
    else if (key === 'm' || key === 'M') actions.toggleMute();
    else if (key === 'c' || key === 'C') actions.toggleCaptions();
    else if (key === 'f' || key === 'F') actions.toggleFullscreen();
    else if (key === '>' || key === '<') actions.speedStep(key === '>' ? 1 : -1);
    else return;
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return {
    help,
    showHelp,
    dispose() {
      document.removeEventListener('keydown', onKey);
      if (help.open) help.close();
      help.remove();
    },
  };
}
