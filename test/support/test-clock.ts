import { Clock } from '../../src/common/clock.js';

/**
 * A clock the test moves by hand: injected into the app (startTestApp({ clock })), it dates events,
 * deliveries, retry schedules, leases and signatures, so that days of retries pass in milliseconds.
 */
export class TestClock extends Clock {
  private current: number;

  /** Starts at `start` (default: the real time now, so that signatures verify within the library's 5-minute window). */
  constructor(start: Date | number = Date.now()) {
    super();
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves the clock forward by `ms` and returns the new time. */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a test clock only moves forward, got ${ms} ms`);
    this.current += ms;
    return this.now();
  }

  /** Moves the clock to `to` (not backwards). */
  set(to: Date | string | number): Date {
    const target = new Date(to).getTime();
    if (!Number.isFinite(target) || target < this.current) throw new RangeError(`a test clock only moves forward, got ${String(to)}`);
    this.current = target;
    return this.now();
  }
}
