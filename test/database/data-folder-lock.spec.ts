import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { DataFolderInUseError, DataFolderLock, LOCK_STALE_MS } from '../../src/database/data-folder-lock.js';

/** The lock's rules for owners this process can fake: another host, this process's own pid. */
describe('DataFolderLock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'percorsi-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A lock as another process would leave it: the directory (its mtime the heartbeat) and the owner file. */
  const leftover = async (owner: { pid: number; hostname: string }, heartbeatAgoMs: number) => {
    const lock = path.join(dir, 'percorsi.lock');
    await mkdir(lock);
    await writeFile(path.join(dir, 'percorsi.lock.json'), JSON.stringify({ ...owner, since: '2026-01-01T00:00:00.000Z' }));
    const at = new Date(Date.now() - heartbeatAgoMs);
    await utimes(lock, at, at);
  };

  it('writes its owner, refuses a second holder, and leaves nothing behind once released', async () => {
    const lock = await DataFolderLock.acquire(dir);
    const owner = JSON.parse(await readFile(path.join(dir, 'percorsi.lock.json'), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(Number.isNaN(Date.parse(owner.since))).toBe(false);
    await expect(DataFolderLock.acquire(dir)).rejects.toBeInstanceOf(DataFolderInUseError);
    await lock.release();
    expect(existsSync(path.join(dir, 'percorsi.lock'))).toBe(false);
    expect(existsSync(path.join(dir, 'percorsi.lock.json'))).toBe(false);
    await (await DataFolderLock.acquire(dir)).release();
  });

  it('refuses a lock from another host whose heartbeat is fresh, naming its owner', async () => {
    await leftover({ pid: 1, hostname: 'container-a' }, 0);
    const refused = DataFolderLock.acquire(dir);
    await expect(refused).rejects.toBeInstanceOf(DataFolderInUseError);
    await expect(refused).rejects.toThrow(
      `the data folder ${dir} is in use by another Percorsi process (process 1 on host container-a, since 2026-01-01T00:00:00.000Z)`,
    );
  });

  it('takes over a lock from another host once its heartbeat is older than LOCK_STALE_MS', async () => {
    await leftover({ pid: 1, hostname: 'container-a' }, LOCK_STALE_MS + 5000);
    const lock = await DataFolderLock.acquire(dir);
    expect(JSON.parse(await readFile(path.join(dir, 'percorsi.lock.json'), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it("takes over at once a fresh lock whose owner on this host is this very pid (a restarted container's pid 1)", async () => {
    await leftover({ pid: process.pid, hostname: hostname() }, 0);
    await (await DataFolderLock.acquire(dir)).release();
  });
});
