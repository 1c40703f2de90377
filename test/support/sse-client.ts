import { signedInHeaders } from './signed-in.js';

/** A Server-Sent Events client for the tests: fetch, a line parser, and waits on what arrived. */

export interface SseMessage {
  /** The `event:` name, null for unnamed messages (EventSource's `onmessage`). */
  event: string | null;
  /** The `id:` of this message, null when it has none. */
  id: string | null;
  data: string;
  /** `data` parsed as JSON. */
  json: any;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The body of a response that is not a stream (a problem), parsed when JSON. */
  body: any;
  messages: SseMessage[];
  comments: string[];
  retry: number | null;
  /** Resolves once `predicate` holds for the messages received so far; rejects after `timeoutMs` or if the stream ends first. */
  waitFor(predicate: (messages: SseMessage[]) => boolean, timeoutMs?: number): Promise<SseMessage[]>;
  /** Resolves when the server has ended the stream (or it failed). */
  ended: Promise<'ended' | 'error'>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...signedInHeaders(new URL(url).origin), ...headers },
    signal: controller.signal,
  });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let done = false;
  const stream: SseStream = {
    status: response.status,
    headers: response.headers,
    body: null,
    messages,
    comments,
    retry: null,
    ended: Promise.resolve('ended'),
    close: () => controller.abort(),
    waitFor: (predicate, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(messages)) {
            cleanup();
            resolve(messages);
          } else if (done) {
            cleanup();
            reject(new Error(`the stream ended first; got ${JSON.stringify(messages.map((m) => [m.event, m.id]))}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => [m.event, m.id]))}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await response.text();
    try {
      stream.body = JSON.parse(text);
    } catch {
      stream.body = text;
    }
    done = true;
    return stream;
  }
  let event: string | null = null;
  let id: string | null = null;
  let data: string[] = [];
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) {
        const joined = data.join('\n');
        let json: unknown = null;
        try {
          json = JSON.parse(joined);
        } catch {
          // not JSON
        }
        messages.push({ event, id, data: joined, json });
      }
      event = null;
      id = null;
      data = [];
      return;
    }
    if (text.startsWith(':')) return void comments.push(text.slice(1).trim());
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry') stream.retry = Number(value);
  };
  stream.ended = (async (): Promise<'ended' | 'error'> => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n')) >= 0) {
          line(buffer.slice(0, at).replace(/\r$/, ''));
          buffer = buffer.slice(at + 1);
        }
        notify();
      }
      return 'ended';
    } catch {
      return 'error';
    } finally {
      done = true;
      notify();
    }
  })();
  return stream;
}

/** The messages of a /stream that are transitions. */
export const transitions = (messages: SseMessage[]) => messages.filter((m) => m.event === 'transition');
