import { describe, expect, it } from '@jest/globals';
import { CaseQueue } from '../../src/cases/case-queue.js';

/** Resolves when told: a piece of work the test finishes by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('CaseQueue', () => {
  it('runs work on overlapping cases one at a time, in arrival order, and work on other cases alongside', async () => {
    const queue = new CaseQueue();
    const log: string[] = [];
    const first = gate();
    const a = queue.run(['p1', 'e1'], async () => {
      log.push('a starts');
      await first.opened;
      log.push('a ends');
    });
    // Shares e1 with a: waits for it. Shares nothing: runs at once.
    const b = queue.run(['e1', 'p2'], () => Promise.resolve(void log.push('b runs')));
    const c = queue.run(['p3', 'e3'], () => Promise.resolve(void log.push('c runs')));
    await c;
    expect(log).toEqual(['a starts', 'c runs']);
    first.open();
    await Promise.all([a, b]);
    expect(log).toEqual(['a starts', 'c runs', 'a ends', 'b runs']);
  });

  it('never deadlocks on sets taken in opposite orders, and releases after a failure', async () => {
    const queue = new CaseQueue();
    let running = 0;
    let most = 0;
    const work = (fail: boolean) => async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      if (fail) throw new Error('refused');
    };
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => queue.run(i % 2 === 0 ? ['x', 'y'] : ['y', 'x'], work(i % 5 === 0))),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(10);
    expect(most).toBe(1);
    // Nothing left held: a new run starts at once.
    await expect(queue.run(['x', 'y'], () => Promise.resolve('free'))).resolves.toBe('free');
  });
});
