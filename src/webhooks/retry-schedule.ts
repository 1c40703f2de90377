const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Delays after attempt 1, 2, ... (Standard Webhooks schedule): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
]);

/** The first attempt and one per delay. */
export const MAX_ATTEMPTS: number = RETRY_DELAYS_MS.length + 1;

/** The longest a receiver's Retry-After may postpone the next attempt. */
export const RETRY_AFTER_CAP_MS: number = HOUR;

/**
 * Each scheduled delay is lengthened by up to this fraction, so that failed deliveries do not retry
 * in lockstep. Only lengthened: the whole schedule must never end before Stripe's three days.
 */
export const JITTER = 0.2;

/** No retry comes sooner than this after a failure. */
export const MIN_DELAY_MS: number = SECOND;

/** Total span of the schedule without jitter: 3 days 3 h 35 min 5 s (272,105 s, about 3.15 days). */
export const SCHEDULE_SPAN_MS: number = RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);

/**
 * When to try again after `attempts` attempts have failed (attempts >= 1), or null when that was the
 * last. Jitter: delay * (1 + random() * 0.2), i.e. 0 to +20 %, never below 1 s. A Retry-After
 * (ms, already capped) replaces the schedule's delay when given (no jitter), but never beyond the cap.
 */
export function nextAttemptAt(args: { attempts: number; now: Date; retryAfterMs: number | null; random?: () => number }): Date | null {
  const { attempts, now, retryAfterMs, random = Math.random } = args;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be an integer >= 1, got ${attempts}`);
  if (attempts >= MAX_ATTEMPTS) return null;
  let delay: number;
  if (retryAfterMs !== null && Number.isFinite(retryAfterMs)) {
    delay = Math.min(retryAfterMs, RETRY_AFTER_CAP_MS);
  } else {
    const r = Math.min(Math.max(random(), 0), 1);
    delay = RETRY_DELAYS_MS[attempts - 1] * (1 + r * JITTER);
  }
  return new Date(now.getTime() + Math.round(Math.max(delay, MIN_DELAY_MS)));
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// RFC 9110 section 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms (all GMT).
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const RFC850_DATE = /^[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const ASCTIME_DATE = /^[a-z]{3} ([a-z]{3}) ( \d|\d{2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

/** An HTTP-date as epoch milliseconds, or null. */
function parseHttpDate(text: string, now: Date): number | null {
  let day: string, month: string, year: number, hh: string, mm: string, ss: string;
  let m: RegExpExecArray | null;
  if ((m = IMF_FIXDATE.exec(text))) {
    [, day, month, , hh, mm, ss] = m;
    year = Number(m[3]);
  } else if ((m = RFC850_DATE.exec(text))) {
    [, day, month, , hh, mm, ss] = m;
    // A two-digit year more than 50 years ahead is in the past century (RFC 9110).
    year = 2000 + Number(m[3]);
    if (year > now.getUTCFullYear() + 50) year -= 100;
  } else if ((m = ASCTIME_DATE.exec(text))) {
    [, month, day, hh, mm, ss] = m;
    year = Number(m[6]);
  } else {
    return null;
  }
  const monthIndex = MONTHS.indexOf(month.toLowerCase());
  const [d, h, mi, s] = [day, hh, mm, ss].map(Number);
  if (monthIndex < 0 || h > 23 || mi > 59 || s > 60) return null;
  const date = new Date(Date.UTC(year, monthIndex, d, h, mi, Math.min(s, 59)));
  // Rejects 31 Feb and the like, which Date.UTC would roll over into the next month.
  if (date.getUTCDate() !== d || date.getUTCMonth() !== monthIndex) return null;
  return date.getTime();
}

/** Retry-After header: delta-seconds or an HTTP-date, relative to now; capped at RETRY_AFTER_CAP_MS; null when absent, unparsable, or in the past. */
export function parseRetryAfter(header: string | null | undefined, now: Date): number | null {
  const text = header?.trim() ?? '';
  if (text === '') return null;
  let delay: number | null;
  if (/^\d+$/.test(text)) {
    delay = Number(text) * SECOND;
  } else {
    const at = parseHttpDate(text, now);
    delay = at === null ? null : at - now.getTime();
  }
  if (delay === null || !Number.isFinite(delay) || delay < 0) return null;
  return Math.min(delay, RETRY_AFTER_CAP_MS);
}

/** Failing-endpoint rule: disable after continuous failure for 5 days AND at least 20 consecutive failures. */
export const DISABLE_AFTER_FAILURES: number = 20;
export const DISABLE_AFTER_MS: number = 5 * DAY;

export function shouldDisable(args: { consecutiveFailures: number; failingSince: Date | null; now: Date }): boolean {
  const { consecutiveFailures, failingSince, now } = args;
  if (failingSince === null) return false;
  return consecutiveFailures >= DISABLE_AFTER_FAILURES && now.getTime() - failingSince.getTime() >= DISABLE_AFTER_MS;
}
