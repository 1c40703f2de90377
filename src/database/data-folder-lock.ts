import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * How old the lock's heartbeat (its mtime, refreshed every half of this) may get before another
 * process may take the lock over although its owner cannot be checked (it ran on another host, such
 * as an earlier container on the same volume).
 */
export const LOCK_STALE_MS = 10_000;

/** Who holds the lock: written next to it once taken. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO date the owner took the lock. */
  since: string;
}

/** The data folder is in use by another live process. */
export class DataFolderInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner | null,
  ) {
    const who = owner ? `process ${owner.pid} on host ${owner.hostname}, since ${owner.since}` : 'a process that has not said who it is';
    super(
      `the data folder ${dataDir} is in use by another Percorsi process (${who}). ` +
        'The embedded database serves one process: stop that one first, or give this one another PERCORSI_DATA_DIR ' +
        '(several processes on one database need PostgreSQL, DATABASE_URL).',
    );
    this.name = 'DataFolderInUseError';
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The lock files this process holds (its own pid in an owner file is a leftover only when not among them). */
const held = new Set<string>();

/**
 * One process per embedded data folder. The lock is a directory made atomically (proper-lockfile)
 * whose mtime is a heartbeat; the owner's pid, host name and start time are in a file beside it.
 * A lock left by a process that died is taken over at once when its owner was on this host (no
 * such process, or the pid is this very process's: a container restarted with the same host name,
 * pid 1 both times), and otherwise once its heartbeat is LOCK_STALE_MS old.
 */
export class DataFolderLock {
  private constructor(
    private readonly lockPath: string,
    private readonly ownerFile: string,
    private readonly releaseLock: () => Promise<void>,
  ) {}

  /** Takes the lock, or throws DataFolderInUseError. `onCompromised`: another process took it over (or it was deleted). */
  static async acquire(dataDir: string, onCompromised?: (error: Error) => void): Promise<DataFolderLock> {
    const lockPath = path.join(dataDir, 'percorsi.lock');
    const ownerFile = path.join(dataDir, 'percorsi.lock.json');
    const options = { lockfilePath: lockPath, realpath: false, stale: LOCK_STALE_MS, ...(onCompromised ? { onCompromised } : {}) };
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(dataDir, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const owner = await readOwner(ownerFile);
      const mine = owner?.pid === process.pid && !held.has(lockPath);
      const deadHere = owner !== null && owner.hostname === hostname() && (mine || !isAlive(owner.pid));
      if (!deadHere) throw new DataFolderInUseError(dataDir, owner);
      // Its owner died on this host: the lock is a leftover. Known gap: two processes that both read
      // the dead owner at the same instant could each remove and retake it (a window of milliseconds,
      // only right after a crash); the one whose lock was replaced finds it so at its next heartbeat and exits.
      await rm(lockPath, { recursive: true, force: true });
      try {
        release = await lockfile.lock(dataDir, options);
      } catch (again) {
        if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataFolderInUseError(dataDir, await readOwner(ownerFile));
        throw again;
      }
    }
    const owner: LockOwner = { pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
    held.add(lockPath);
    await writeFile(ownerFile, `${JSON.stringify(owner)}\n`);
    return new DataFolderLock(lockPath, ownerFile, release);
  }

  async release(): Promise<void> {
    await rm(this.ownerFile, { force: true });
    await this.releaseLock();
    held.delete(this.lockPath);
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.hostname === 'string' && typeof owner.since === 'string'
      ? (owner as LockOwner)
      : null;
  } catch {
    return null;
  }
}
