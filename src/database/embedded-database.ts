import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded default: PGlite in a data folder, served on a loopback port so that the service
 * reaches it through the same `pg` driver and SQL as a real PostgreSQL. PGlite is one database
 * session, so the socket server accepts exactly one connection: with more, its multiplexer
 * interleaves clients' statements.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  static async start(args: { dataDir: string; port: number }): Promise<EmbeddedDatabase> {
    await mkdir(args.dataDir, { recursive: true });
    const db = await PGlite.create(args.dataDir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: args.port, maxConnections: 1 });
    try {
      await server.start();
    } catch (error) {
      await db.close();
      throw error;
    }
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    return new EmbeddedDatabase(db, server, url);
  }

  /** Call after every client connection is closed. */
  async stop(): Promise<void> {
    await this.server.stop();
    if (!this.db.closed) await this.db.close();
  }
}
