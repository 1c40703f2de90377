import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy to put between the service and its database, to take the database away
 * and give it back: `cut()` resets every connection and stops accepting new ones (clients get
 * ECONNREFUSED), `restore()` listens again on the same port.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** Connections accepted since the start (both directions count as one). */
  connections = 0;

  private constructor(
    readonly target: { host: string; port: number },
    public port: number,
  ) {}

  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, port);
    await proxy.listen();
    return proxy;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get listening(): boolean {
    return this.server !== null;
  }

  private async listen(): Promise<void> {
    const server = createServer((downstream) => this.pipe(downstream));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Blackholed: connections are accepted (and kept) but nothing is forwarded either way. */
  private silent = false;

  private pipe(downstream: Socket): void {
    this.connections += 1;
    if (this.silent) {
      this.sockets.add(downstream);
      downstream.on('close', () => this.sockets.delete(downstream));
      downstream.on('error', () => downstream.destroy());
      downstream.resume();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [downstream, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => this.sockets.delete(socket));
    }
    const end = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', end);
    upstream.on('error', end);
    downstream.on('close', end);
    upstream.on('close', end);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  }

  /** The database goes away: every open connection is reset and new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    await closed;
  }

  /**
   * The database stops answering without closing anything (a network partition): bytes sent on
   * open connections are dropped, new connections are accepted and never answered.
   */
  blackhole(): void {
    this.silent = true;
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.removeAllListeners('data');
      socket.resume();
    }
  }

  /** The database is back, at the same address (after `cut`), or answers again (after `blackhole`: its connections are reset). */
  async restore(): Promise<void> {
    if (this.silent) {
      this.silent = false;
      for (const socket of this.sockets) socket.resetAndDestroy();
      this.sockets.clear();
    }
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.cut();
  }
}
