import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DataFolderLock } from './data-folder-lock.js';

/**
 * The embedded default: PGlite in a data folder, served on a loopback port so that the service
 * reaches it through the same `pg` driver and SQL as a real PostgreSQL. PGlite is one database
 * session, so the socket server accepts exactly one connection: with more, its multiplexer
 * interleaves clients' statements. One process per data folder: a second one started on it refuses
 * to start (DataFolderLock), for two PGlite instances on one folder would lose data.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lock: DataFolderLock,
    readonly url: string,
  ) {}

  /**
   * Throws DataFolderInUseError when another process has the folder. `onLockLost`: the lock was taken
   * over by another process (or deleted) while this one runs, so this one must stop writing at once
   * (default: an uncaught error, which ends the process).
   */
  static async start(args: { dataDir: string; port: number; onLockLost?: (error: Error) => void }): Promise<EmbeddedDatabase> {
    await mkdir(args.dataDir, { recursive: true });
    const lock = await DataFolderLock.acquire(args.dataDir, args.onLockLost);
    let db: PGlite | undefined;
    try {
      db = await PGlite.create(args.dataDir);
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: args.port, maxConnections: 1 });
      await server.start();
      const url = `postgres://postgres@${server.getServerConn()}/postgres`;
      return new EmbeddedDatabase(db, server, lock, url);
    } catch (error) {
      if (db && !db.closed) await db.close();
      await lock.release();
      throw error;
    }
  }

  /** Call after every client connection is closed. */
  async stop(): Promise<void> {
    await this.server.stop();
    if (!this.db.closed) await this.db.close();
    await this.lock.release();
  }
}
