import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as it reached the receiver. */
export interface ReceivedRequest {
  /** Arrival order, from 0, over the receiver's whole life. */
  index: number;
  method: string;
  path: string;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The body exactly as received (what the signature covers). */
  rawBody: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  body: any;
  /** Real time of arrival (ms). */
  at: number;
  /** What the receiver answered: a status code, or 'hang'. */
  answered: number | 'hang';
}

/** How to answer one request: a status (default 200) with headers and body, optionally late; or never. */
export type Reply = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number } | { hang: true };

/** Decides the answer to a request; undefined: the default (200). */
export type Script = (request: ReceivedRequest) => Reply | undefined;

/**
 * A loopback HTTP receiver for webhook tests. Records every request (headers, raw body, arrival
 * order), answers as scripted (a queue of replies first, then a script, then 200), can hang
 * (for timeouts) and can be taken down and brought back on the same port (a closed port).
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** TCP connections accepted, whether or not a request followed. */
  connections = 0;
  private readonly queue: Reply[] = [];
  private script: Script | null = null;
  private readonly sockets = new Set<Socket>();
  private server: http.Server | null = null;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly host: string,
    private portNumber: number,
  ) {}

  /** Starts listening on `host` (default 127.0.0.1) and a free port. */
  static async start(options: { host?: string } = {}): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(options.host ?? '127.0.0.1', 0);
    await receiver.up();
    return receiver;
  }

  get port(): number {
    return this.portNumber;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  url(path = '/hook'): string {
    return `http://${this.host}:${this.portNumber}${path}`;
  }

  /** The next requests get these replies, in order; after them the script (or 200) answers again. */
  enqueue(...replies: Reply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Answers every request the queue does not (null: 200 to everything). */
  setScript(script: Script | null): this {
    this.script = script;
    return this;
  }

  /** Forgets the queued replies and the script (the recorded requests stay). */
  reset(): this {
    this.queue.length = 0;
    this.script = null;
    return this;
  }

  /** Requests whose JSON body is about this case, in arrival order. */
  forCase(caseId: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.body?.data?.caseId === caseId);
  }

  /** Resolves once `count` requests have arrived in all; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 5000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the receiver got ${this.requests.length} requests within ${timeoutMs} ms, expected ${count}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests.slice(0, count);
  }

  /** Listens (again) on the receiver's port: the first time on a free one. */
  async up(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.on('connection', (socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNumber, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.portNumber = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection (hanging ones too): the port is closed until up(). */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  close(): Promise<void> {
    return this.down();
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = JSON.parse(rawBody);
      } catch {
        // not JSON: keep the raw body only
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const request: ReceivedRequest = {
        index: this.requests.length,
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        rawBody,
        body,
        at: Date.now(),
        answered: 200,
      };
      const reply = this.queue.shift() ?? this.script?.(request) ?? {};
      request.answered = 'hang' in reply ? 'hang' : (reply.status ?? 200);
      this.requests.push(request);
      for (const wake of this.waiters.splice(0)) wake();
      if ('hang' in reply) return;
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? 'ok');
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  }
}

/**
 * Verifies a request's signature as a receiver would: the `standardwebhooks` library's own verify,
 * which also refuses a webhook-timestamp more than 5 minutes away from the real time now.
 */
export function verifies(request: Pick<ReceivedRequest, 'rawBody' | 'headers'>, secret: string): boolean {
  try {
    new Webhook(secret).verify(request.rawBody, request.headers);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether one of the request's signatures is `secret`'s over its webhook-id, webhook-timestamp and
 * raw body, recomputed with the library's sign: verify without the 5-minute window, for requests
 * signed at a test clock's time far from the real one.
 */
export function signedWith(request: Pick<ReceivedRequest, 'rawBody' | 'headers'>, secret: string): boolean {
  const { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature } = request.headers;
  if (!id || !timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const expected = new Webhook(secret).sign(id, new Date(Number(timestamp) * 1000), request.rawBody);
  return signature.split(' ').includes(expected);
}

/** The v1 signatures of a request, in header order. */
export function signaturesOf(request: Pick<ReceivedRequest, 'headers'>): string[] {
  return (request.headers['webhook-signature'] ?? '').split(' ').filter((s) => s !== '');
}
