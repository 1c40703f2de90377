import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';

/** One webhook request as it arrived (recorded before it is answered). */
export interface Arrival {
  /** The request path: one receiver can stand for several subscriptions. */
  path: string;
  webhookId: string;
  /** x-percorsi-attempt. */
  attempt: number;
  /** x-percorsi-case-sequence, if any. */
  caseSequence: number | null;
  headers: IncomingHttpHeaders;
  /** The raw body, for signature checks. */
  body: string;
  payload: any;
  /** Date.now() when the body had arrived. */
  at: number;
  /** Date.now() when the answer was written to a live connection; null while delayed, and when the sender was gone by then. */
  answeredAt: number | null;
}

export interface RecordingReceiver {
  url: string;
  /** Every request, in arrival order. */
  readonly arrivals: Arrival[];
  /** Requests received and not answered yet. */
  pending(): Arrival[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP receiver that records every request and answers it with `status` after
 * `delayMs(arrival)` milliseconds (default: at once).
 */
export async function startRecordingReceiver(
  options: { delayMs?: (arrival: Arrival) => number; status?: number } = {},
): Promise<RecordingReceiver> {
  const arrivals: Arrival[] = [];
  const waiting = new Set<Arrival>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: unknown = null;
      try {
        payload = JSON.parse(body);
      } catch {
        // recorded as is
      }
      const header = (name: string) => {
        const value = req.headers[name];
        return typeof value === 'string' ? value : null;
      };
      const sequence = header('x-percorsi-case-sequence');
      const arrival: Arrival = {
        path: req.url ?? '/',
        webhookId: header('webhook-id') ?? '',
        attempt: Number(header('x-percorsi-attempt')),
        caseSequence: sequence === null ? null : Number(sequence),
        headers: req.headers,
        body,
        payload,
        at: Date.now(),
        answeredAt: null,
      };
      arrivals.push(arrival);
      waiting.add(arrival);
      const answer = () => {
        waiting.delete(arrival);
        // A sender that died (or gave up) meanwhile never gets it.
        if (!res.destroyed && !req.socket.destroyed) arrival.answeredAt = Date.now();
        res.writeHead(options.status ?? 200, { 'content-type': 'text/plain' }).end('ok');
      };
      const delay = options.delayMs?.(arrival) ?? 0;
      if (delay <= 0) answer();
      else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, delay);
        timers.add(timer);
      }
    });
    // The sender may die (or time out) before the answer: nothing to do but not crash.
    res.on('error', () => undefined);
    req.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    pending: () => [...waiting],
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Per-case order as a receiver sees it, given one subscription's arrivals for one case: each
 * sequence is first sent only after the previous one was answered. Returns the sequences that
 * arrived too early (none when the order held).
 */
export function sentBeforePreviousAnswered(arrivals: Arrival[]): number[] {
  const first = new Map<number, number>();
  const answered = new Map<number, number>();
  for (const a of arrivals) {
    if (a.caseSequence === null) continue;
    if (!first.has(a.caseSequence)) first.set(a.caseSequence, a.at);
    if (a.answeredAt !== null) answered.set(a.caseSequence, Math.min(answered.get(a.caseSequence) ?? Infinity, a.answeredAt));
  }
  const sequences = [...first.keys()].sort((x, y) => x - y);
  return sequences.filter((sequence, i) => i > 0 && !(first.get(sequence)! >= (answered.get(sequences[i - 1]) ?? Infinity)));
}
