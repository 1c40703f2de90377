import { promises as dns } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { AddressGuard } from './address-policy.js';

/** Why an attempt failed: the `error_class` recorded with it. */
export type ErrorClass = 'dns' | 'connect' | 'timeout' | 'http_status' | 'blocked' | 'tls' | 'network';

/** The outcome of one delivery attempt. */
export interface SendResult {
  /** True only for a 2xx status. */
  ok: boolean;
  /** Null when no HTTP response was received. */
  statusCode: number | null;
  errorClass: ErrorClass | null;
  /** Short English description of the failure; null when ok. */
  error: string | null;
  durationMs: number;
  /** The first 4 KiB (4096 bytes) of the response body as UTF-8 (invalid sequences replaced); '' when none. */
  responseBody: string;
  /** The raw Retry-After header of the response, if any. */
  retryAfter: string | null;
  /** The address connected to (or being connected to when it failed); null when no connection was attempted. */
  remoteAddress: string | null;
}

/** Resolves a host name to all its addresses; injectable for tests. */
export type Lookup = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export interface WebhookSenderOptions {
  guard: AddressGuard;
  /** One deadline for the whole attempt: DNS, connect, TLS, sending and reading the response. */
  timeoutMs: number;
  userAgent: string;
  /** Default: dns.promises.lookup(hostname, { all: true, verbatim: true }). */
  lookup?: Lookup;
  /** Trusted CA certificates for https, replacing Node's default ones (tests, private CAs). */
  ca?: string | Buffer | (string | Buffer)[];
}

/** How much of a response body is kept. */
export const RESPONSE_BODY_LIMIT = 4096;

/** Headers the sender sets itself: the caller's values for these are ignored. */
const MANAGED_HEADERS = new Set(['host', 'content-type', 'content-length', 'user-agent', 'connection', 'transfer-encoding', 'keep-alive']);

const DNS_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'ENODATA',
  'ESERVFAIL',
  'ENOTIMP',
  'EREFUSED',
]);
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'EPIPE',
]);

export const defaultLookup: Lookup = async (hostname) => {
  const addresses = await dns.lookup(hostname, { all: true, verbatim: true });
  return addresses.map(({ address }) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
};

/** Raised (internally) when the deadline expires. */
class DeadlineExpired extends Error {}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect reports an AggregateError of each address's failure.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const innerCode = errorCode(inner);
      if (innerCode) return innerCode;
    }
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorMessage(error.errors[0]);
  // OpenSSL errors carry a long message and a short reason ("wrong version number").
  const reason = typeof error === 'object' && error !== null ? (error as { reason?: unknown }).reason : undefined;
  const message = typeof reason === 'string' && reason !== '' ? reason : error instanceof Error ? error.message : String(error);
  return message.trim();
}

function isTlsError(code: string | undefined, error: unknown): boolean {
  if (code && (/^(ERR_TLS_|ERR_SSL_|CERT_|ERR_OSSL_)/.test(code) || /SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH|CERT/.test(code)))
    return true;
  if (code === 'EPROTO') return true;
  return typeof error === 'object' && error !== null && 'library' in error && (error as { library?: unknown }).library === 'SSL routines';
}

/** Classifies an error raised before any response arrived. */
function classify(error: unknown): { errorClass: ErrorClass; error: string } {
  const code = errorCode(error);
  const message = errorMessage(error);
  if (code && DNS_CODES.has(code)) return { errorClass: 'dns', error: `The host name could not be resolved (${code}).` };
  if (isTlsError(code, error)) return { errorClass: 'tls', error: `The TLS handshake failed: ${message}` };
  if (code && CONNECT_CODES.has(code)) {
    if (code === 'ECONNRESET') return { errorClass: 'connect', error: 'The connection was closed before a response arrived (ECONNRESET).' };
    return { errorClass: 'connect', error: `The connection failed: ${message}` };
  }
  return { errorClass: 'network', error: `The request failed: ${message}${code && !message.includes(code) ? ` (${code})` : ''}` };
}

/** Rejects with DeadlineExpired when `signal` aborts first. */
function beforeDeadline<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(new DeadlineExpired());
      return;
    }
    const onAbort = () => reject(new DeadlineExpired());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

type Outcome = Omit<SendResult, 'durationMs'>;

const EMPTY: Outcome = {
  ok: false,
  statusCode: null,
  errorClass: null,
  error: null,
  responseBody: '',
  retryAfter: null,
  remoteAddress: null,
};

/**
 * Sends webhook requests (Standard Webhooks over HTTP): POST, only 2xx succeeds, redirects are not
 * followed, one deadline per attempt, and the SSRF guard applied to the very address connected to.
 */
export class WebhookSender {
  private readonly guard: AddressGuard;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly lookup: Lookup;
  private readonly ca: WebhookSenderOptions['ca'];

  constructor(options: WebhookSenderOptions) {
    this.guard = options.guard;
    this.timeoutMs = options.timeoutMs;
    this.userAgent = options.userAgent;
    this.lookup = options.lookup ?? defaultLookup;
    this.ca = options.ca;
  }

  /** POSTs body with the given headers (plus content-type application/json, user-agent) to url. Never throws. */
  async send(args: { url: string; headers: Record<string, string>; body: string }): Promise<SendResult> {
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let outcome: Outcome;
    try {
      outcome = await this.attempt(args, controller.signal);
    } catch (error) {
      outcome =
        error instanceof DeadlineExpired
          ? { ...EMPTY, errorClass: 'timeout', error: this.timeoutMessage() }
          : { ...EMPTY, errorClass: 'network', error: `The request could not be made: ${errorMessage(error)}` };
    } finally {
      clearTimeout(timer);
    }
    return { ...outcome, durationMs: Math.round(performance.now() - started) };
  }

  private timeoutMessage(): string {
    return `No complete response within ${this.timeoutMs} ms.`;
  }

  private async attempt(args: { url: string; headers: Record<string, string>; body: string }, signal: AbortSignal): Promise<Outcome> {
    const reason = this.guard.checkUrl(args.url);
    if (reason) return { ...EMPTY, errorClass: 'blocked', error: reason };
    const url = new URL(args.url);
    // URL keeps IPv6 literals in brackets; node:http wants them bare.
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;

    let addresses: { address: string; family: 4 | 6 }[];
    const literalFamily = isIP(hostname);
    if (literalFamily !== 0) {
      addresses = [{ address: hostname, family: literalFamily === 6 ? 6 : 4 }];
    } else {
      try {
        addresses = await beforeDeadline(
          Promise.resolve().then(() => this.lookup(hostname)),
          signal,
        );
      } catch (error) {
        if (error instanceof DeadlineExpired) throw error;
        const code = errorCode(error);
        return { ...EMPTY, errorClass: 'dns', error: `The host name ${hostname} could not be resolved${code ? ` (${code})` : ''}.` };
      }
      const invalid = addresses.find(({ address }) => isIP(address) === 0);
      if (addresses.length === 0 || invalid) {
        return { ...EMPTY, errorClass: 'dns', error: `The host name ${hostname} resolved to no usable address.` };
      }
    }
    // Refuse when any address is refused, rather than pick an allowed one: a name with a public and
    // a private address is a DNS trick, or a misconfiguration.
    const refused = addresses.find(({ address }) => !this.guard.isAllowed(hostname, address));
    if (refused) {
      const what = literalFamily !== 0 ? `The address ${refused.address}` : `The host ${hostname} resolves to ${refused.address}, which`;
      return {
        ...EMPTY,
        errorClass: 'blocked',
        error: `${what} is not public (loopback, private, link-local, metadata...) and not in PERCORSI_WEBHOOK_ALLOWLIST.`,
      };
    }
    // Deduplicated, in the resolver's order.
    const checked = [...new Map(addresses.map((entry) => [entry.address, entry])).values()];
    return this.request(url, hostname, checked, args, signal);
  }

  private request(
    url: URL,
    hostname: string,
    checked: { address: string; family: 4 | 6 }[],
    args: { headers: Record<string, string>; body: string },
    signal: AbortSignal,
  ): Promise<Outcome> {
    // Connect only to the addresses just checked: a second DNS answer (rebinding) is never asked for.
    const pinnedLookup = (
      _host: string,
      options: LookupOptions,
      callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
    ) => {
      const candidates = options.family === 4 || options.family === 6 ? checked.filter(({ family }) => family === options.family) : checked;
      const list = candidates.length > 0 ? candidates : checked;
      if (options.all)
        callback(
          null,
          list.map(({ address, family }) => ({ address, family })),
        );
      else callback(null, list[0].address, list[0].family);
    };
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(args.headers)) {
      if (!MANAGED_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    headers['content-type'] = 'application/json';
    headers['user-agent'] = this.userAgent;
    headers['content-length'] = String(Buffer.byteLength(args.body));

    return new Promise<Outcome>((resolve) => {
      let settled = false;
      let statusCode: number | null = null;
      let retryAfter: string | null = null;
      let remoteAddress: string | null = checked.length === 1 ? checked[0].address : null;
      const chunks: Buffer[] = [];
      let size = 0;
      const body = () => Buffer.concat(chunks).toString('utf8');
      let req: http.ClientRequest | undefined;

      const settle = (outcome: Partial<Outcome>) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        // No keep-alive: the socket goes with the attempt (and stops any body beyond 4 KiB).
        req?.destroy();
        resolve({ ...EMPTY, statusCode, retryAfter, remoteAddress, responseBody: body(), ...outcome });
      };
      const onAbort = () => settle({ errorClass: 'timeout', error: this.timeoutMessage() });
      const responseDone = () => {
        const status = statusCode ?? 0;
        if (status >= 200 && status < 300) settle({ ok: true });
        else {
          const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
          settle({ errorClass: 'http_status', error: `The receiver answered HTTP ${status}${redirect}.` });
        }
      };

      try {
        const options: https.RequestOptions = {
          protocol: url.protocol,
          hostname,
          port: url.port === '' ? undefined : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers,
          agent: false,
          lookup: pinnedLookup,
          ...(url.protocol === 'https:' && this.ca !== undefined ? { ca: this.ca } : {}),
        };
        req = (url.protocol === 'https:' ? https : http).request(options);
      } catch (error) {
        settle({ errorClass: 'network', error: `The request could not be made: ${errorMessage(error)}` });
        return;
      }
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });

      req.on('socket', (socket) => {
        socket.once('connect', () => {
          remoteAddress = socket.remoteAddress ?? remoteAddress;
        });
      });
      req.on('error', (error) => {
        const address = (error as { address?: unknown }).address;
        if (remoteAddress === null && typeof address === 'string') remoteAddress = address;
        if (statusCode !== null) {
          settle({ errorClass: 'network', error: `The connection failed while the response was read: ${errorMessage(error)}` });
        } else settle(classify(error));
      });
      req.on('response', (res) => {
        statusCode = res.statusCode ?? 0;
        const header = res.headers['retry-after'];
        retryAfter = typeof header === 'string' ? header : null;
        remoteAddress = res.socket?.remoteAddress ?? remoteAddress;
        res.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_BODY_LIMIT) {
            const kept = chunk.subarray(0, RESPONSE_BODY_LIMIT - size);
            chunks.push(kept);
            size += kept.length;
          }
          if (size >= RESPONSE_BODY_LIMIT) responseDone();
        });
        res.on('end', responseDone);
        res.on('error', (error) => {
          settle({ errorClass: 'network', error: `The connection failed while the response was read: ${errorMessage(error)}` });
        });
        res.on('close', () => {
          if (res.complete) responseDone();
          else settle({ errorClass: 'network', error: 'The connection closed before the response was complete.' });
        });
      });
      req.end(args.body);
    });
  }
}
