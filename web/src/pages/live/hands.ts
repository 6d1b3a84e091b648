import type { ParticipantView } from '../../../../src/contracts/live-signaling';
import { el } from '../../dom';

/**
 * Raised hands, in the order they went up: a count beside the participants' heading and a list under it. For the
 * instructor a new hand also beeps (a short tone made on the spot, no sound file).
 */
export class RaisedHands {
  readonly count = el('span', { class: 'badge hand-count', id: 'hand-count', hidden: '' });
  readonly list = el('ol', { id: 'hands', class: 'hands', 'aria-label': 'Raised hands, first raised first', hidden: '' });
  /** How many times a new hand was announced by sound (tests read it; a beep cannot be seen). */
  alerts = 0;
  private seen = new Set<string>();
  private audio: AudioContext | null = null;

  render(participants: ParticipantView[], alert: boolean): void {
    const hands = participants.filter((p) => p.handRaised).sort((a, b) => (a.handRaisedAt ?? '').localeCompare(b.handRaisedAt ?? ''));
    const fresh = hands.filter((p) => !this.seen.has(p.id));
    this.seen = new Set(hands.map((p) => p.id));
    this.count.hidden = hands.length === 0;
    this.count.textContent = `✋ ${hands.length}`;
    this.count.setAttribute('aria-label', `${hands.length} ${hands.length === 1 ? 'hand' : 'hands'} raised`);
    this.list.hidden = hands.length === 0;
    this.list.replaceChildren(...hands.map((p) => el('li', { 'data-id': p.id }, p.name)));
    if (alert && fresh.length > 0) this.beep();
  }

  clear(): void {
    this.render([], false);
  }

  private beep(): void {
    this.alerts++;
    try {
      this.audio ??= new AudioContext();
      const ctx = this.audio;
      void ctx.resume().catch(() => undefined);
      const tone = ctx.createOscillator();
      const gain = ctx.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.25);
      tone.connect(gain).connect(ctx.destination);
      tone.start();
      tone.stop(ctx.currentTime + 0.25);
    } catch {
      // No audio output: the count still shows the hand.
    }
  }
}
