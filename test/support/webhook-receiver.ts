/**
 * The one webhook receiver of the tests and the benchmarks: a loopback HTTP server that records
 * every request, answers as scripted, can hang, and can be taken down and brought back on its
 * port. The webhook benchmark runs it in a child process of its own (forkWebhookReceiver:
 * `node --import tsx test/support/webhook-receiver.ts --child`, driven over IPC) and reads its
 * report: receipt times, signatures and per-case order checked after the run.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';

/** Epoch milliseconds with sub-millisecond resolution (performance.now() on the wall clock's origin). */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

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
  /** webhook-id ('' when absent). */
  webhookId: string;
  /** x-percorsi-attempt (0 when absent). */
  attempt: number;
  /** x-percorsi-case-sequence, if any. */
  caseSequence: number | null;
  /** wallClockMs() when the request's headers arrived: the receipt time the benchmark measures. */
  receivedAt: number;
  /** Real time when the body had arrived (Date.now()). */
  at: number;
  /** What the receiver answered: a status code, or 'hang'. */
  answered: number | 'hang';
  /** Date.now() when the answer was written to a live connection; null until then, and when the sender was gone by then. */
  answeredAt: number | null;
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
  /** Delayed requests whose sender left before the answer. */
  private readonly gone = new Set<ReceivedRequest>();
  private readonly timers = new Set<NodeJS.Timeout>();
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

  /** Requests received and not answered yet (delayed, or hanging). */
  pending(): ReceivedRequest[] {
    return this.requests.filter((r) => r.answeredAt === null && r.answered !== 'hang' && !this.gone.has(r));
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
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  close(): Promise<void> {
    return this.down();
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const receivedAt = wallClockMs();
    const chunks: Buffer[] = [];
    // The sender may die (or time out) before the answer: nothing to do but not crash.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
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
      const sequence = headers['x-percorsi-case-sequence'];
      const request: ReceivedRequest = {
        index: this.requests.length,
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        rawBody,
        body,
        webhookId: headers['webhook-id'] ?? '',
        attempt: Number(headers['x-percorsi-attempt'] ?? 0),
        caseSequence: sequence === undefined ? null : Number(sequence),
        receivedAt,
        at: Date.now(),
        answered: 200,
        answeredAt: null,
      };
      const reply = this.queue.shift() ?? this.script?.(request) ?? {};
      request.answered = 'hang' in reply ? 'hang' : (reply.status ?? 200);
      this.requests.push(request);
      for (const wake of this.waiters.splice(0)) wake();
      if ('hang' in reply) return;
      const answer = () => {
        // A sender that died (or gave up) meanwhile never gets it.
        if (res.destroyed || req.socket.destroyed) {
          this.gone.add(request);
          return;
        }
        request.answeredAt = Date.now();
        res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? 'ok');
      };
      if (!reply.delayMs) return answer();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        answer();
      }, reply.delayMs);
      this.timers.add(timer);
    });
  }

  /** What the benchmark reads after a run: receipts, and the checks a subscriber would make. */
  report(secret: string | null): ReceiverReport {
    const lastSequence = new Map<string, number>();
    const seen = new Set<string>();
    let orderViolations = 0;
    for (const r of this.requests) {
      if (seen.has(r.webhookId)) continue;
      seen.add(r.webhookId);
      const caseId = r.body?.data?.caseId as unknown;
      const sequence = r.body?.data?.sequence as unknown;
      if (typeof caseId !== 'string' || typeof sequence !== 'number') continue;
      if ((lastSequence.get(caseId) ?? 0) > sequence) orderViolations++;
      else lastSequence.set(caseId, sequence);
    }
    return {
      receipts: this.requests.map((r) => [r.webhookId, r.receivedAt, r.attempt]),
      badSignatures: secret === null ? 0 : this.requests.filter((r) => !signedWith(r, secret)).length,
      orderViolations,
      clockSkewMs: wallClockMs() - Date.now(),
    };
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

/**
 * Per-case order as a receiver sees it, given one subscription's requests for one case: each
 * sequence is first sent only after the previous one was answered. Returns the sequences that
 * arrived too early (none when the order held).
 */
export function sentBeforePreviousAnswered(requests: ReceivedRequest[]): number[] {
  const first = new Map<number, number>();
  const answered = new Map<number, number>();
  for (const r of requests) {
    if (r.caseSequence === null) continue;
    if (!first.has(r.caseSequence)) first.set(r.caseSequence, r.at);
    if (r.answeredAt !== null) answered.set(r.caseSequence, Math.min(answered.get(r.caseSequence) ?? Infinity, r.answeredAt));
  }
  const sequences = [...first.keys()].sort((x, y) => x - y);
  return sequences.filter((sequence, i) => i > 0 && !(first.get(sequence)! >= (answered.get(sequences[i - 1]) ?? Infinity)));
}

/** What the receiver hands the benchmark at the end. */
export interface ReceiverReport {
  /** [webhook-id, receipt time (wallClockMs), x-percorsi-attempt], one per request, in arrival order. */
  receipts: [string, number, number][];
  /** Requests whose signature is not the subscription's secret's (checked after the run). */
  badSignatures: number;
  /** First receipts of a case's transition that arrived after a later one of the same case had. */
  orderViolations: number;
  /** wallClockMs() - Date.now() in the receiver at the end: how far its clock drifted from the wall clock. */
  clockSkewMs: number;
}

/** The receiver as the benchmark drives it: in this process or in a child process, the same calls. */
export interface BenchReceiver {
  url: string;
  /** The receiver's pid (this process when in process). */
  pid: number;
  /** The secret to check signatures with (whsec_...). */
  setSecret(secret: string): Promise<void>;
  /** Requests received so far. */
  count(): Promise<number>;
  /** Stops and reports everything received. */
  finish(): Promise<ReceiverReport>;
}

/** The receiver in this process (its CPU is then the benchmark process's). */
export async function startBenchReceiver(): Promise<BenchReceiver> {
  const receiver = await WebhookReceiver.start();
  let secret: string | null = null;
  return {
    url: receiver.url(),
    pid: process.pid,
    setSecret: (value) => {
      secret = value;
      return Promise.resolve();
    },
    count: () => Promise.resolve(receiver.requests.length),
    finish: async () => {
      await receiver.close();
      return receiver.report(secret);
    },
  };
}

type Ask = { op: 'secret'; secret: string } | { op: 'count' } | { op: 'finish' };
type IpcRequest = Ask & { id: number };
type IpcReply = { id: number; value: unknown } | { ready: string };

/** The receiver as a child process of its own, with its own event loop. */
export async function forkBenchReceiver(): Promise<BenchReceiver> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (value: unknown) => void>();
  let next = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited with code ${code} during start-up`)));
    child.on('message', (message: IpcReply) => {
      if ('ready' in message) resolve(message.ready);
      else waiting.get(message.id)?.(message.value);
    });
  });
  child.removeAllListeners('exit');
  const ask = <T>(request: Ask): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = ++next;
      waiting.set(id, (value) => {
        waiting.delete(id);
        resolve(value as T);
      });
      child.send({ ...request, id });
    });
  return {
    url,
    pid: child.pid!,
    setSecret: (secret) => ask<void>({ op: 'secret', secret }),
    count: () => ask<number>({ op: 'count' }),
    finish: async () => {
      const report = await ask<ReceiverReport>({ op: 'finish' });
      child.disconnect();
      return report;
    },
  };
}

if (process.argv.includes('--child') && process.send) {
  const send = (reply: IpcReply) => process.send!(reply);
  void startBenchReceiver().then((receiver) => {
    process.on('message', (request: IpcRequest) => {
      if (request.op === 'secret') void receiver.setSecret(request.secret).then(() => send({ id: request.id, value: null }));
      else if (request.op === 'count') void receiver.count().then((value) => send({ id: request.id, value }));
      else void receiver.finish().then((report) => send({ id: request.id, value: report }));
    });
    process.on('disconnect', () => process.exit(0));
    send({ ready: receiver.url });
  });
}
