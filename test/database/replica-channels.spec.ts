import { afterEach, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config/app-config.js';
import { RECONNECTED, ReplicaChannels, payloads } from '../../src/database/replica-channels.js';

/** Polls until `probe` is true (generous: the machine is shared), or fails saying what was awaited. */
async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ReplicaChannels', () => {
  const started: ReplicaChannels[] = [];
  afterEach(async () => {
    for (const channels of started.splice(0)) await channels.onApplicationShutdown();
  });

  it('splits items into NOTIFY payloads below PostgreSQL limit of 8000 bytes, none lost', () => {
    const ids = Array.from({ length: 600 }, (_, i) => `${String(i).padStart(4, '0')}-${'x'.repeat(31)}`);
    const out = payloads(ids);
    expect(out.length).toBeGreaterThan(1);
    for (const payload of out) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(out.flatMap((p) => p.split(','))).toEqual(ids);
    expect(payloads([])).toEqual(['']);
  });

  it('does nothing on the embedded database (one process, no replicas)', async () => {
    const channels = new ReplicaChannels(loadConfig({ PERCORSI_LOG_LEVEL: 'silent' }));
    channels.onApplicationBootstrap();
    started.push(channels);
    const got: unknown[] = [];
    channels.subscribe('percorsi_test', (items) => got.push(items));
    channels.notify('percorsi_test', 'a');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(got).toEqual([]);
  });

  // Two processes' worth of channels on one PostgreSQL: only there are there replicas to tell.
  if (process.env.DATABASE_URL) {
    it('hands one replica what another notifies, batched, and not its own', async () => {
      const config = loadConfig({ PERCORSI_LOG_LEVEL: 'silent', DATABASE_URL: process.env.DATABASE_URL! });
      const [a, b] = [new ReplicaChannels(config), new ReplicaChannels(config)];
      const gotA: (string[] | typeof RECONNECTED)[] = [];
      const gotB: (string[] | typeof RECONNECTED)[] = [];
      a.subscribe('percorsi_test', (items) => gotA.push(items));
      b.subscribe('percorsi_test', (items) => gotB.push(items));
      for (const channels of [a, b]) {
        channels.onApplicationBootstrap();
        started.push(channels);
      }
      // Each says it is connected (RECONNECTED) once its LISTEN is in place.
      await until(() => gotA.includes(RECONNECTED) && gotB.includes(RECONNECTED), 'both LISTEN connections');
      b.notify('percorsi_test', 'case-1');
      b.notify('percorsi_test', 'case-2');
      b.notify('percorsi_test', 'case-1');
      await until(() => gotA.some((items) => Array.isArray(items) && items.length > 0), 'the notification on A');
      expect(gotA.filter(Array.isArray)).toEqual([['case-1', 'case-2']]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(gotB.filter(Array.isArray)).toEqual([]);
    });
  }
});
