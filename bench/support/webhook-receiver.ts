/**
 * The webhook benchmark's subscriber: a loopback HTTP server that stamps each request when its headers
 * arrive (the receipt time), answers 200 as soon as the body is in, and only then checks the signature
 * (HMAC-SHA256 with node:crypto) and notes the case and sequence for the per-case order check.
 *
 * In this process (startWebhookReceiver), or as a child process of its own (forkWebhookReceiver, the
 * default of bench/webhooks.bench.ts): `node --import tsx bench/support/webhook-receiver.ts`, driven
 * over the IPC channel.
 */
import { fork } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

/** Epoch milliseconds with sub-millisecond resolution (performance.now() on the wall clock's origin). */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

/** What the receiver hands back at the end. */
export interface ReceiverReport {
  /** [webhook-id, receipt time (wallClockMs), x-percorsi-attempt], one per request, in arrival order. */
  receipts: [string, number, number][];
  /** Requests whose signature did not verify against the subscription's secret. */
  badSignatures: number;
  /** First receipts of a case's transition that arrived after a later one of the same case had. */
  orderViolations: number;
  /** wallClockMs() - Date.now() in the receiver at the end: how far its clock drifted from the wall clock. */
  clockSkewMs: number;
}

export interface WebhookReceiver {
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

/** The receiver itself, in whatever process runs it. */
function receiverCore() {
  const receipts: [string, number, number][] = [];
  const lastSequence = new Map<string, number>();
  const seen = new Set<string>();
  let key: Buffer | null = null;
  let badSignatures = 0;
  let orderViolations = 0;

  const check = (req: IncomingMessage, body: string, webhookId: string) => {
    if (key) {
      const timestamp = String(req.headers['webhook-timestamp'] ?? '');
      const expected = createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`).digest();
      const given = String(req.headers['webhook-signature'] ?? '')
        .split(' ')
        .map((s) => s.split(','))
        .filter(([version]) => version === 'v1')
        .map(([, signature]) => Buffer.from(signature ?? '', 'base64'));
      if (!given.some((g) => g.length === expected.length && timingSafeEqual(g, expected))) badSignatures++;
    }
    if (seen.has(webhookId)) return;
    seen.add(webhookId);
    try {
      const { data } = JSON.parse(body) as { data?: { caseId?: string; sequence?: number } };
      if (data?.caseId && typeof data.sequence === 'number') {
        if ((lastSequence.get(data.caseId) ?? 0) > data.sequence) orderViolations++;
        else lastSequence.set(data.caseId, data.sequence);
      }
    } catch {
      // not JSON: counted by the signature check if it was altered
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = wallClockMs();
    const webhookId = String(req.headers['webhook-id'] ?? '');
    receipts.push([webhookId, at, Number(req.headers['x-percorsi-attempt'] ?? 0)]);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-length': '0' }).end();
      check(req, Buffer.concat(chunks).toString('utf8'), webhookId);
    });
  });

  return {
    listen: () =>
      new Promise<string>((resolve) => {
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/hook`));
      }),
    setSecret: (secret: string) => {
      key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    },
    count: () => receipts.length,
    finish: async (): Promise<ReceiverReport> => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      return { receipts, badSignatures, orderViolations, clockSkewMs: wallClockMs() - Date.now() };
    },
  };
}

/** The receiver in this process (its CPU is then the benchmark process's). */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const core = receiverCore();
  const url = await core.listen();
  return {
    url,
    pid: process.pid,
    setSecret: (secret) => {
      core.setSecret(secret);
      return Promise.resolve();
    },
    count: () => Promise.resolve(core.count()),
    finish: () => core.finish(),
  };
}

type Ask = { op: 'secret'; secret: string } | { op: 'count' } | { op: 'finish' };
type Request = Ask & { id: number };
type Reply = { id: number; value: unknown } | { ready: string };

/** The receiver as a child process of its own, with its own event loop. */
export async function forkWebhookReceiver(): Promise<WebhookReceiver> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (value: unknown) => void>();
  let next = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited with code ${code} during start-up`)));
    child.on('message', (message: Reply) => {
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
  const core = receiverCore();
  const send = (reply: Reply) => process.send!(reply);
  process.on('message', (request: Request) => {
    if (request.op === 'secret') {
      core.setSecret(request.secret);
      send({ id: request.id, value: null });
    } else if (request.op === 'count') send({ id: request.id, value: core.count() });
    else void core.finish().then((report) => send({ id: request.id, value: report }));
  });
  process.on('disconnect', () => process.exit(0));
  void core.listen().then((url) => send({ ready: url }));
}
