/**
 * In-process queues by case id: work on a set of cases runs when no other work on any of them is
 * running in this process. The matching acts wait here, in memory, rather than in the database
 * pool's queue: an act blocked on a busy case's row lock would otherwise hold a pooled connection
 * while it waits, and a burst of acts on a few busy cases would starve the pool (its waiters time
 * out after 5 s: 503). The row locks stay the guarantee across replicas; this only keeps the waiting
 * out of the pool. Keys are taken in sorted order, as the row locks are, so two sets never wait on
 * each other.
 */
export class CaseQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(caseIds: string[], work: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const id of [...new Set(caseIds)].sort()) releases.push(await this.take(id));
      return await work();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /** Waits for the case's previous holder; returns the release. */
  private async take(id: string): Promise<() => void> {
    const previous = this.tails.get(id) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(id, tail);
    await previous;
    return () => {
      release();
      // The last in line leaves no entry behind.
      if (this.tails.get(id) === tail) this.tails.delete(id);
    };
  }
}
