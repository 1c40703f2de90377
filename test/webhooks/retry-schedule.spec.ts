import { describe, expect, it } from '@jest/globals';
import {
  DISABLE_AFTER_FAILURES,
  DISABLE_AFTER_MS,
  MAX_ATTEMPTS,
  RETRY_AFTER_CAP_MS,
  RETRY_DELAYS_MS,
  SCHEDULE_SPAN_MS,
  nextAttemptAt,
  parseRetryAfter,
  shouldDisable,
} from '../../src/webhooks/retry-schedule.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;
const now = new Date('2026-05-04T12:00:00.000Z');
const delayAfter = (attempts: number, random: () => number, retryAfterMs: number | null = null) => {
  const at = nextAttemptAt({ attempts, now, retryAfterMs, random });
  return at === null ? null : at.getTime() - now.getTime();
};

describe('retry schedule', () => {
  it('is the Standard Webhooks schedule: 10 attempts', () => {
    expect(RETRY_DELAYS_MS).toEqual([5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(MAX_ATTEMPTS).toBe(10);
    expect(RETRY_AFTER_CAP_MS).toBe(H);
    expect(Object.isFrozen(RETRY_DELAYS_MS)).toBe(true);
  });

  it('spans 3 days 3 h 35 min 5 s without jitter: at least the 3 days Stripe retries for', () => {
    expect(SCHEDULE_SPAN_MS).toBe(3 * DAY + 3 * H + 35 * MIN + 5 * S);
    expect(SCHEDULE_SPAN_MS).toBeGreaterThanOrEqual(3 * DAY);
  });

  it('follows the list exactly when random() is 0', () => {
    const delays = Array.from({ length: 9 }, (_, i) => delayAfter(i + 1, () => 0));
    expect(delays).toEqual([...RETRY_DELAYS_MS]);
  });

  it('jitters by lengthening up to 20 %, so the schedule never ends before three days', () => {
    RETRY_DELAYS_MS.forEach((delay, i) => {
      expect(delayAfter(i + 1, () => 0)).toBe(delay);
      const high = delayAfter(i + 1, () => 0.9999999999)!;
      expect(high).toBeLessThanOrEqual(Math.round(delay * 1.2));
      expect(high).toBeGreaterThan(delay * 1.199);
    });
    expect(delayAfter(1, () => 0)).toBe(5 * S);
    for (let i = 0; i < 200; i++) {
      const d = delayAfter(4, Math.random)!;
      expect(d).toBeGreaterThanOrEqual(2 * H);
      expect(d).toBeLessThanOrEqual(1.2 * 2 * H);
    }
  });

  it('stays within bounds even if random() misbehaves', () => {
    expect(delayAfter(1, () => -5)).toBe(5 * S);
    expect(delayAfter(1, () => 7)).toBe(6 * S);
  });

  it('stops after the 10th attempt', () => {
    expect(nextAttemptAt({ attempts: 9, now, retryAfterMs: null, random: () => 0 })).toEqual(new Date(now.getTime() + 24 * H));
    expect(nextAttemptAt({ attempts: 10, now, retryAfterMs: null })).toBeNull();
    expect(nextAttemptAt({ attempts: 11, now, retryAfterMs: 30 * S })).toBeNull();
  });

  it('rejects an attempt count below 1', () => {
    expect(() => nextAttemptAt({ attempts: 0, now, retryAfterMs: null })).toThrow(RangeError);
    expect(() => nextAttemptAt({ attempts: 1.5, now, retryAfterMs: null })).toThrow(RangeError);
  });

  it('lets Retry-After replace the delay, without jitter, up to the cap and no sooner than 1 s', () => {
    expect(delayAfter(1, () => 0, 90 * S)).toBe(90 * S);
    expect(delayAfter(9, () => 1, 90 * S)).toBe(90 * S);
    expect(delayAfter(3, () => 0, 5 * H)).toBe(H);
    expect(delayAfter(3, () => 0, 0)).toBe(S);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120 * S);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date in all three RFC 9110 forms', () => {
    expect(parseRetryAfter('Mon, 04 May 2026 12:02:00 GMT', now)).toBe(2 * MIN);
    expect(parseRetryAfter('Monday, 04-May-26 12:03:00 GMT', now)).toBe(3 * MIN);
    expect(parseRetryAfter('Mon May  4 12:04:00 2026', now)).toBe(4 * MIN);
    expect(parseRetryAfter(new Date(now.getTime() + 30 * MIN).toUTCString(), now)).toBe(30 * MIN);
  });

  it('caps at one hour', () => {
    expect(parseRetryAfter('86400', now)).toBe(H);
    expect(parseRetryAfter('99999999999999999999999', now)).toBe(H);
    expect(parseRetryAfter('Tue, 05 May 2026 12:00:00 GMT', now)).toBe(H);
  });

  it('gives null when absent, unparsable or in the past', () => {
    for (const header of [
      null,
      undefined,
      '',
      '  ',
      '-5',
      '1.5',
      '12s',
      'soon',
      '2026-05-04T12:05:00Z',
      'Mon, 31 Feb 2026 12:00:00 GMT',
      '120, 120',
    ]) {
      expect(parseRetryAfter(header, now)).toBeNull();
    }
    expect(parseRetryAfter('Mon, 04 May 2026 11:59:59 GMT', now)).toBeNull();
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBeNull();
  });
});

describe('shouldDisable', () => {
  const since = (ms: number) => new Date(now.getTime() - ms);

  it('needs 20 consecutive failures and 5 days of failing, both', () => {
    expect(DISABLE_AFTER_FAILURES).toBe(20);
    expect(DISABLE_AFTER_MS).toBe(5 * DAY);
    expect(shouldDisable({ consecutiveFailures: 19, failingSince: since(6 * DAY), now })).toBe(false);
    expect(shouldDisable({ consecutiveFailures: 20, failingSince: since(4 * DAY), now })).toBe(false);
    expect(shouldDisable({ consecutiveFailures: 20, failingSince: since(5 * DAY - 1), now })).toBe(false);
    expect(shouldDisable({ consecutiveFailures: 20, failingSince: since(5 * DAY), now })).toBe(true);
    expect(shouldDisable({ consecutiveFailures: 500, failingSince: since(30 * DAY), now })).toBe(true);
  });

  it('never disables an endpoint that is not failing', () => {
    expect(shouldDisable({ consecutiveFailures: 20, failingSince: null, now })).toBe(false);
    expect(shouldDisable({ consecutiveFailures: 1000, failingSince: null, now })).toBe(false);
  });
});
