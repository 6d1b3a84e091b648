import { describe, expect, it } from 'vitest';
import { Conflict, IllegalTransition, Unprocessable } from '../src/domain/errors';
import { assertCanPause, canTransition, nextLiveClassStatus, nextRecordingState, RECORDING_STATUSES, type RecordingStatus } from '../src/domain/recording-state';
import { signPlaybackToken, verifyPlaybackToken } from '../src/domain/playback-token';
import { backoffDelayMs } from '../src/jobs/queue';

const LEGAL: Record<RecordingStatus, RecordingStatus[]> = {
  scheduled: ['recording', 'processing', 'deleted'],
  recording: ['processing', 'deleted'],
  processing: ['ready', 'failed', 'deleted'],
  ready: ['processing', 'deleted'],
  failed: ['processing', 'deleted'],
  deleted: [],
};

describe('recording state machine', () => {
  for (const from of RECORDING_STATUSES) {
    for (const to of RECORDING_STATUSES) {
      const legal = LEGAL[from].includes(to);
      it(`${from} → ${to} is ${legal ? 'allowed' : 'refused'}`, () => {
        const state = { status: from, previousStatus: from === 'deleted' ? ('ready' as const) : null };
        const t = to === 'deleted' ? ({ to: 'deleted' } as const) : ({ to } as { to: Exclude<RecordingStatus, 'deleted'> });
        expect(canTransition(state, t)).toBe(legal);
        if (!legal) {
          expect(() => nextRecordingState(state, t)).toThrow(IllegalTransition);
          expect(() => nextRecordingState(state, t)).toThrow(new RegExp(`currently '${from}'`));
        }
      });
    }
  }

  it('deleting remembers the state and restoring returns to it', () => {
    for (const from of RECORDING_STATUSES.filter((s) => s !== 'deleted')) {
      const deleted = nextRecordingState({ status: from, previousStatus: null }, { to: 'deleted' });
      expect(deleted).toEqual({ status: 'deleted', previousStatus: from });
      expect(nextRecordingState(deleted, { restore: true })).toEqual({ status: from, previousStatus: null });
    }
  });

  it('only a deleted recording can be restored', () => {
    expect(() => nextRecordingState({ status: 'ready', previousStatus: null }, { restore: true })).toThrow(IllegalTransition);
    expect(() => nextRecordingState({ status: 'deleted', previousStatus: null }, { restore: true })).toThrow(IllegalTransition);
  });

  it('only a recording of Aula\'s room that is recording can be paused, once, and only a paused one resumed', () => {
    const rec = { id: 'r1', status: 'recording' as const, source: 'native', pausedAt: null };
    expect(() => assertCanPause(rec, true)).not.toThrow();
    expect(() => assertCanPause({ ...rec, pausedAt: '2030-01-01T10:00:00Z' }, false)).not.toThrow();
    expect(() => assertCanPause({ ...rec, pausedAt: '2030-01-01T10:00:00Z' }, true)).toThrow(Conflict);
    expect(() => assertCanPause(rec, false)).toThrow(/not paused/);
    expect(() => assertCanPause({ ...rec, status: 'processing' }, true)).toThrow(/'processing', not recording/);
    expect(() => assertCanPause({ ...rec, source: 'zoom' }, true)).toThrow(Unprocessable);
  });

  it('live classes go scheduled → live → ended, or scheduled → cancelled, never back', () => {
    expect(nextLiveClassStatus('scheduled', 'live')).toBe('live');
    expect(nextLiveClassStatus('live', 'ended')).toBe('ended');
    expect(nextLiveClassStatus('scheduled', 'cancelled')).toBe('cancelled');
    expect(() => nextLiveClassStatus('live', 'live')).toThrow(/currently 'live'/);
    expect(() => nextLiveClassStatus('ended', 'live')).toThrow(IllegalTransition);
    expect(() => nextLiveClassStatus('scheduled', 'ended')).toThrow(IllegalTransition);
  });
});

describe('job backoff', () => {
  it('doubles per attempt with ±50 % jitter', () => {
    expect(backoffDelayMs(1000, 1, () => 0.5)).toBe(1000);
    expect(backoffDelayMs(1000, 3, () => 0.5)).toBe(4000);
    expect(backoffDelayMs(1000, 3, () => 0)).toBe(2000);
    expect(backoffDelayMs(1000, 3, () => 0.999)).toBeLessThan(6000);
  });
});

describe('playback tokens', () => {
  const key = Buffer.from('k'.repeat(32));
  const grant = { recordingId: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000', viewerId: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001', expiresAtUnix: 2_000_000_000 };
  it('verifies what it signed until it expires', () => {
    const token = signPlaybackToken(grant, key);
    expect(verifyPlaybackToken(token, key, 1_999_999_999)).toEqual({ ok: true, grant });
    expect(verifyPlaybackToken(token, key, 2_000_000_000)).toEqual({ ok: false, reason: 'expired' });
  });
  it('refuses a token with any part changed or signed with another key', () => {
    const token = signPlaybackToken(grant, key);
    const parts = token.split('.');
    const otherRecording = [parts[0], grant.viewerId, ...parts.slice(2)].join('.');
    expect(verifyPlaybackToken(otherRecording, key, 0)).toEqual({ ok: false, reason: 'bad-signature' });
    const longer = [...parts.slice(0, 3), '2100000000', parts[4]].join('.');
    expect(verifyPlaybackToken(longer, key, 0)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyPlaybackToken(token, Buffer.from('x'.repeat(32)), 0)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyPlaybackToken('garbage', key, 0)).toEqual({ ok: false, reason: 'malformed' });
  });
});
