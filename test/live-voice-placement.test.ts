import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { MediaFrame, PublishedTrack, PublishedTrackEvents } from '../src/adapters/sfu/sfu';
import { AudioChannel, type QueuedBlock } from '../src/services/live/recorder/channels';
import { OPUS_SHORT_SILENCE, OPUS_SILENCE, opusPacketMs } from '../src/services/live/recorder/filler-media';
import { PublisherClocks } from '../src/services/live/recorder/publisher-clocks';
import { RecordingClock } from '../src/services/live/recorder/recording-clock';

/** A microphone as the SFU hands it to a recorder: frames are emitted by the test. */
class Microphone extends EventEmitter<PublishedTrackEvents> implements PublishedTrack {
  readonly id = 'mic-1';
  readonly peerId = 'instructor';
  readonly kind = 'audio';
  readonly codec = 'opus';
  source = 'microphone' as const;
  readonly ended = false;
  forwarding = true;
  requestKeyframe(): void {}
  currentPicture(): null {
    return null;
  }
}

// SILK 20 ms, one frame: what Chromium sends.
const VOICE = Buffer.from([0x78, 0x01, 0x02]);

/** A microphone attached to an audio slot; `say(senderMs)` delivers one 20 ms packet captured then. */
function slot() {
  const blocks: QueuedBlock[] = [];
  const clock = new RecordingClock(0);
  const channel = new AudioChannel(3, clock, new PublisherClocks(), (b) => blocks.push(b));
  const mic = new Microphone();
  channel.attach({ track: mic, participantId: 'p1', participantName: 'Instructor', role: 'host' });
  const say = (senderMs: number, receivedAt = senderMs) => {
    const frame: MediaFrame = { codec: 'opus', data: VOICE, keyframe: true, intact: true, mediaTimeMs: senderMs, senderTimeMs: senderMs, receivedAt };
    mic.emit('frame', frame);
  };
  /** Where each voice packet was written on the recording's clock (ms), in order. */
  const voiceTimes = () => blocks.filter((b) => b.data === VOICE).map((b) => b.ts);
  return { blocks, channel, say, voiceTimes };
}

describe('where the recording puts a microphone’s voice', () => {
  it('the first packet begins on its time, after silence in 20 ms and 2.5 ms packets with no gap', () => {
    const { blocks, channel, say, voiceTimes } = slot();
    channel.tick(1_000, 1_000);
    // The first packet of the voice arrives 47.5 ms past the silence written so far.
    say(1_047.5);
    expect(voiceTimes()).toEqual([1_047.5]);
    let end = 0;
    for (const b of blocks) {
      expect(b.ts).toBe(end);
      expect([OPUS_SILENCE, OPUS_SHORT_SILENCE, VOICE]).toContain(b.data);
      end += opusPacketMs(b.data);
    }
  });

  it('a microphone whose clock runs fast stays within half a packet of its time: a packet is left out, nothing drifts', () => {
    const { say, voiceTimes } = slot();
    // 20 ms of samples every 19.9 ms of the sender's clock, for a minute: 3 s of samples more than the time they cover.
    const due: number[] = [];
    for (let i = 0; i < 3_000; i += 1) {
      const at = 1_000 + i * 19.9;
      due.push(at);
      say(at);
    }
    const written = voiceTimes();
    expect(written.length).toBeLessThan(due.length);
    // Each written packet against the one captured nearest its place.
    let j = 0;
    for (const ts of written) {
      while (j + 1 < due.length && Math.abs(due[j + 1]! - ts) < Math.abs(due[j]! - ts)) j += 1;
      expect(ts - due[j]!).toBeGreaterThan(-2.5 - 1e-9);
      expect(ts - due[j]!).toBeLessThan(10 + 1e-9);
    }
  });

  it('a microphone whose clock runs slow gets silence put in: its voice never falls early by more than 2.5 ms', () => {
    const { say, voiceTimes } = slot();
    const due = Array.from({ length: 3_000 }, (_, i) => 1_000 + i * 20.1);
    for (const at of due) say(at);
    const written = voiceTimes();
    expect(written.length).toBe(due.length);
    written.forEach((ts, i) => {
      expect(ts - due[i]!).toBeLessThanOrEqual(0);
      expect(ts - due[i]!).toBeGreaterThan(-2.5);
    });
  });
});
