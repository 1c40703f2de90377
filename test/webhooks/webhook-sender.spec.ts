import { afterEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { AddressGuard } from '../../src/webhooks/address-policy.js';
import { WebhookSender } from '../../src/webhooks/webhook-sender.js';
import type { Lookup } from '../../src/webhooks/webhook-sender.js';

// A self-signed certificate for webhook.test and 127.0.0.1, valid 2020-2120 (test fixture only).
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgfDJ4Bf+MHqjHr8Ud
dY+j8zhcVdBuiS+QItfAafcNMLyhRANCAASZ694zjWivlgYHsMBdJaaptUcDnR8+
zhjmfV7HlGh8gggHn+euybf33OES9wWL7yrQtMkqQMeK7bRn26rp4cvQ
-----END PRIVATE KEY-----
`;
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBZDCCAQqgAwIBAgIURSgHNGZuQrheqsXu9Aw5ItkJuuIwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMd2ViaG9vay50ZXN0MCAXDTIwMDEwMTAwMDAwMFoYDzIxMjAw
MTAxMDAwMDAwWjAXMRUwEwYDVQQDDAx3ZWJob29rLnRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAASZ694zjWivlgYHsMBdJaaptUcDnR8+zhjmfV7HlGh8gggH
n+euybf33OES9wWL7yrQtMkqQMeK7bRn26rp4cvQozIwMDAPBgNVHRMBAf8EBTAD
AQH/MB0GA1UdEQQWMBSCDHdlYmhvb2sudGVzdIcEfwAAATAKBggqhkjOPQQDAgNI
ADBFAiBQsJ+pxw+Uwf5CUFDfuS+ReYQbFGoUcUeuLeefUtw6ZwIhAPmO7bhgvrir
60BPJOyLZQbknDzK1obiWfzqAlwGBVlP
-----END CERTIFICATE-----
`;

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  servername?: string | false;
}

interface Receiver {
  port: number;
  url: (path?: string) => string;
  requests: Received[];
  /** TCP connections accepted, whether or not a request followed. */
  connections: number;
  close: () => Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, received: Received) => void;

const open: Receiver[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((receiver) => receiver.close()));
});

/** A loopback receiver (http, or https with the fixture certificate) that records what reaches it. */
async function receiver(handler: Handler, options: { tls?: boolean } = {}): Promise<Receiver> {
  const requests: Received[] = [];
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const tlsSocket = req.socket as { servername?: string | false };
      const received: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        servername: tlsSocket.servername,
      };
      requests.push(received);
      handler(req, res, received);
    });
  };
  const server = options.tls ? https.createServer({ key: TLS_KEY, cert: TLS_CERT }, onRequest) : http.createServer(onRequest);
  const state = { connections: 0 };
  server.on(options.tls ? 'secureConnection' : 'connection', () => {
    state.connections += 1;
  });
  // Client-side resets (the sender stopping after 4 KiB, TLS refusals) are expected here.
  server.on('clientError', (_error, socket) => socket.destroy());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls ? 'https' : 'http';
  const created: Receiver = {
    port,
    url: (path = '/hook') => `${scheme}://127.0.0.1:${port}${path}`,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  open.push(created);
  return created;
}

/** A TCP server that answers every connection with `reply` and closes it; returns its port. */
async function rawServer(reply: string): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.resume(); // read, so that the client's close is seen
    socket.end(reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({
    port: 0,
    url: () => '',
    requests: [],
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
  return (server.address() as AddressInfo).port;
}

function sender(options: { allowlist?: string[]; allowHttp?: boolean; timeoutMs?: number; lookup?: Lookup; ca?: string } = {}) {
  return new WebhookSender({
    guard: new AddressGuard({ allowHttp: options.allowHttp ?? true, allowlist: options.allowlist ?? ['127.0.0.1'] }),
    timeoutMs: options.timeoutMs ?? 3000,
    userAgent: 'Percorsi-Webhooks/test',
    lookup: options.lookup,
    ca: options.ca,
  });
}

const payload = JSON.stringify({ type: 'case.transitioned', data: { caseId: 'c-1' } });
const signatureHeaders = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1764140000', 'webhook-signature': 'v1,abc=' };

/** A fixed answer for every host name. */
function fixedLookup(...addresses: string[]): Lookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup: Lookup = (hostname) => {
    calls.push(hostname);
    return Promise.resolve(addresses.map((address) => ({ address, family: net.isIP(address) === 6 ? 6 : 4 })));
  };
  return Object.assign(lookup, { calls });
}

describe('WebhookSender: responses', () => {
  it('POSTs the body with the given headers plus content-type and user-agent, and succeeds on 2xx', async () => {
    const target = await receiver((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'));
    const result = await sender().send({
      url: target.url('/hooks/a?x=1'),
      headers: { ...signatureHeaders, 'Content-Type': 'text/plain', Host: 'evil.example', 'X-Extra': 'yes' },
      body: payload,
    });
    expect(result).toMatchObject({
      ok: true,
      statusCode: 200,
      errorClass: null,
      error: null,
      responseBody: 'thanks',
      retryAfter: null,
      remoteAddress: '127.0.0.1',
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(target.requests).toHaveLength(1);
    const [received] = target.requests;
    expect(received.method).toBe('POST');
    expect(received.url).toBe('/hooks/a?x=1');
    expect(received.body).toBe(payload);
    expect(received.headers).toMatchObject({
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1764140000',
      'webhook-signature': 'v1,abc=',
      'x-extra': 'yes',
      'content-type': 'application/json',
      'user-agent': 'Percorsi-Webhooks/test',
      'content-length': String(Buffer.byteLength(payload)),
      host: `127.0.0.1:${target.port}`,
    });
  });

  it('keeps only the first 4 KiB of the response body, as UTF-8', async () => {
    const big = await receiver((_req, res) => res.writeHead(201).end('x'.repeat(10 * 1024)));
    const result = await sender().send({ url: big.url(), headers: {}, body: payload });
    expect(result).toMatchObject({ ok: true, statusCode: 201 });
    expect(result.responseBody).toBe('x'.repeat(4096));

    // 4096 bytes end in the middle of a two-byte character: the partial sequence is replaced.
    const accents = await receiver((_req, res) => res.writeHead(200).end('a' + 'é'.repeat(5000)));
    const cut = await sender().send({ url: accents.url(), headers: {}, body: payload });
    expect(cut.responseBody).toBe('a' + 'é'.repeat(2047) + '\uFFFD');
  });

  it('succeeds on 204 with an empty body', async () => {
    const target = await receiver((_req, res) => res.writeHead(204).end());
    expect(await sender().send({ url: target.url(), headers: {}, body: payload })).toMatchObject({
      ok: true,
      statusCode: 204,
      responseBody: '',
    });
  });

  it.each([500, 410, 400, 404])('reports %i as http_status with the body', async (status) => {
    const target = await receiver((_req, res) => res.writeHead(status).end(`status ${status}`));
    const result = await sender().send({ url: target.url(), headers: {}, body: payload });
    expect(result).toMatchObject({ ok: false, statusCode: status, errorClass: 'http_status', responseBody: `status ${status}` });
    expect(result.error).toContain(String(status));
  });

  it('does not follow redirects: 302 is an http_status failure and the target receives nothing', async () => {
    const elsewhere = await receiver((_req, res) => res.writeHead(200).end());
    const redirecting = await receiver((_req, res) => res.writeHead(302, { location: elsewhere.url('/moved') }).end());
    const result = await sender().send({ url: redirecting.url(), headers: {}, body: payload });
    expect(result).toMatchObject({ ok: false, statusCode: 302, errorClass: 'http_status' });
    expect(result.error).toMatch(/redirects are not followed/);
    expect(redirecting.requests).toHaveLength(1);
    expect(elsewhere.connections).toBe(0);
  });

  it('returns the Retry-After header raw', async () => {
    const seconds = await receiver((_req, res) => res.writeHead(503, { 'retry-after': '120' }).end());
    expect(await sender().send({ url: seconds.url(), headers: {}, body: payload })).toMatchObject({
      statusCode: 503,
      errorClass: 'http_status',
      retryAfter: '120',
    });
    const date = await receiver((_req, res) => res.writeHead(429, { 'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT' }).end());
    expect((await sender().send({ url: date.url(), headers: {}, body: payload })).retryAfter).toBe('Wed, 21 Oct 2015 07:28:00 GMT');
  });
});

describe('WebhookSender: failures', () => {
  it('times out when the receiver never answers, after about timeoutMs', async () => {
    const silent = await receiver(() => undefined);
    const result = await sender({ timeoutMs: 300 }).send({ url: silent.url(), headers: {}, body: payload });
    expect(result).toMatchObject({ ok: false, statusCode: null, errorClass: 'timeout', remoteAddress: '127.0.0.1' });
    expect(result.durationMs).toBeGreaterThanOrEqual(280);
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('times out when the body never ends, keeping the status and what arrived', async () => {
    const stalling = await receiver((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const result = await sender({ timeoutMs: 300 }).send({ url: stalling.url(), headers: {}, body: payload });
    expect(result).toMatchObject({ ok: false, statusCode: 200, errorClass: 'timeout', responseBody: 'partial' });
  });

  it('counts DNS resolution in the deadline', async () => {
    const never: Lookup = () => new Promise(() => undefined);
    const result = await sender({ timeoutMs: 200, lookup: never }).send({ url: 'https://slow-dns.test/', headers: {}, body: payload });
    expect(result).toMatchObject({ errorClass: 'timeout', statusCode: null, remoteAddress: null });
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('reports a refused connection as connect', async () => {
    const gone = await receiver(() => undefined);
    const url = gone.url();
    await gone.close();
    const result = await sender().send({ url, headers: {}, body: payload });
    expect(result).toMatchObject({ ok: false, statusCode: null, errorClass: 'connect', remoteAddress: '127.0.0.1' });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('reports a connection closed without an answer as connect', async () => {
    const rude = await receiver((req) => req.socket.destroy());
    expect(await sender().send({ url: rude.url(), headers: {}, body: payload })).toMatchObject({ statusCode: null, errorClass: 'connect' });
  });

  it('reports a response that is not HTTP as network', async () => {
    const port = await rawServer('this is not http\r\n\r\n');
    expect(await sender().send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: payload })).toMatchObject({
      statusCode: null,
      errorClass: 'network',
    });
  });

  it('reports an unresolvable host as dns', async () => {
    const real = await sender({ timeoutMs: 8000 }).send({ url: 'http://nonexistent.invalid/hook', headers: {}, body: payload });
    expect(real).toMatchObject({ ok: false, statusCode: null, errorClass: 'dns', remoteAddress: null });
    expect(real.error).toMatch(/nonexistent\.invalid/);

    const notFound: Lookup = () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' }));
    expect(await sender({ lookup: notFound }).send({ url: 'https://nowhere.test/', headers: {}, body: payload })).toMatchObject({
      errorClass: 'dns',
    });
    const empty = fixedLookup();
    expect(await sender({ lookup: empty }).send({ url: 'https://empty.test/', headers: {}, body: payload })).toMatchObject({
      errorClass: 'dns',
    });
  });

  it('never throws, even on a header value node:http refuses', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const result = await sender().send({ url: target.url(), headers: { 'x-bad': 'a\r\nb' }, body: payload });
    expect(result).toMatchObject({ ok: false, errorClass: 'network' });
    expect(target.connections).toBe(0);
  });
});

describe('WebhookSender: TLS', () => {
  it('verifies the certificate against the URL host name while connecting to the pinned address', async () => {
    const secure = await receiver((_req, res) => res.writeHead(200).end('secure'), { tls: true });
    const lookup = fixedLookup('127.0.0.1');
    const result = await sender({ allowHttp: false, lookup, ca: TLS_CERT }).send({
      url: `https://webhook.test:${secure.port}/hook`,
      headers: {},
      body: payload,
    });
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseBody: 'secure', remoteAddress: '127.0.0.1' });
    expect(secure.requests[0].servername).toBe('webhook.test');
    expect(secure.requests[0].headers.host).toBe(`webhook.test:${secure.port}`);

    const byIp = await sender({ allowHttp: false, ca: TLS_CERT }).send({ url: secure.url(), headers: {}, body: payload });
    expect(byIp).toMatchObject({ ok: true, statusCode: 200 });
  });

  it('reports untrusted certificates, wrong names and non-TLS servers as tls', async () => {
    const secure = await receiver((_req, res) => res.writeHead(200).end(), { tls: true });
    const selfSigned = await sender({ allowHttp: false, lookup: fixedLookup('127.0.0.1') }).send({
      url: `https://webhook.test:${secure.port}/`,
      headers: {},
      body: payload,
    });
    expect(selfSigned).toMatchObject({ ok: false, statusCode: null, errorClass: 'tls' });

    const wrongName = await sender({ allowHttp: false, lookup: fixedLookup('127.0.0.1'), ca: TLS_CERT }).send({
      url: `https://other.test:${secure.port}/`,
      headers: {},
      body: payload,
    });
    expect(wrongName).toMatchObject({ ok: false, statusCode: null, errorClass: 'tls' });
    expect(secure.requests).toHaveLength(0);

    // A plain-text server answering the TLS hello.
    const plainPort = await rawServer('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    const result = await sender({ allowHttp: false }).send({ url: `https://127.0.0.1:${plainPort}/`, headers: {}, body: payload });
    expect(result).toMatchObject({ ok: false, statusCode: null, errorClass: 'tls' });
  });
});

describe('WebhookSender: SSRF guard', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://0.0.0.0/',
    'http://100.64.0.1/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://192.168.1.1/',
    'http://172.16.0.1/',
  ])('refuses %s as blocked before connecting', async (url) => {
    const result = await sender({ allowlist: [], timeoutMs: 10000 }).send({ url, headers: {}, body: payload });
    expect(result).toMatchObject({ ok: false, statusCode: null, errorClass: 'blocked', remoteAddress: null, responseBody: '' });
    expect(result.error).toMatch(/not public/);
    // A connection attempt to an unroutable address would take far longer than this.
    expect(result.durationMs).toBeLessThan(100);
  });

  it('refuses loopback in every spelling, and nothing reaches the local receiver', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const spellings = [
      `http://127.0.0.1:${target.port}/`,
      `http://[::1]:${target.port}/`,
      `http://[::ffff:127.0.0.1]:${target.port}/`,
      `http://[::ffff:7f00:1]:${target.port}/`,
      `http://2130706433:${target.port}/`, // 127.0.0.1 as one number
      `http://0x7f.1:${target.port}/`,
      `http://127.1:${target.port}/`,
      `http://[64:ff9b::127.0.0.1]:${target.port}/`,
    ];
    for (const url of spellings) {
      const result = await sender({ allowlist: [] }).send({ url, headers: {}, body: payload });
      expect([url, result.errorClass]).toEqual([url, 'blocked']);
    }
    expect(target.connections).toBe(0);
  });

  it('checks the resolved addresses: a name resolving to loopback or metadata is blocked without connecting', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    for (const address of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '::1', 'fd00:ec2::254']) {
      const lookup = fixedLookup(address);
      const result = await sender({ allowlist: [], lookup }).send({
        url: `http://metadata.test:${target.port}/`,
        headers: {},
        body: payload,
      });
      expect([address, result.errorClass]).toEqual([address, 'blocked']);
      expect(result.error).toContain(address);
      expect(lookup.calls).toEqual(['metadata.test']);
    }
    expect(target.connections).toBe(0);
  });

  it('blocks a name whose answer mixes a public and a private address, in either order', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    for (const lookup of [fixedLookup('93.184.215.14', '127.0.0.1'), fixedLookup('127.0.0.1', '93.184.215.14')]) {
      const result = await sender({ allowlist: [], lookup }).send({ url: `http://mixed.test:${target.port}/`, headers: {}, body: payload });
      expect(result.errorClass).toBe('blocked');
      expect(result.error).toContain('127.0.0.1');
    }
    expect(target.connections).toBe(0);
  });

  it('resolves once and connects to the checked address (no DNS rebinding)', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const calls: string[] = [];
    const rebinding: Lookup = (hostname) => {
      calls.push(hostname);
      return Promise.resolve([{ address: calls.length === 1 ? '127.0.0.1' : '10.0.0.1', family: 4 }]);
    };
    const result = await sender({ allowlist: ['127.0.0.1'], lookup: rebinding }).send({
      url: `http://receiver.test:${target.port}/hook`,
      headers: {},
      body: payload,
    });
    expect(result).toMatchObject({ ok: true, statusCode: 200, remoteAddress: '127.0.0.1' });
    expect(calls).toEqual(['receiver.test']);
    expect(target.requests[0].headers.host).toBe(`receiver.test:${target.port}`);
  });

  it('tries the next checked address when the first one refuses the connection', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const lookup = fixedLookup('::1', '127.0.0.1'); // the receiver listens on 127.0.0.1 only
    const result = await sender({ allowlist: ['127.0.0.1', '::1'], lookup }).send({
      url: `http://dual.test:${target.port}/`,
      headers: {},
      body: payload,
    });
    expect(result).toMatchObject({ ok: true, remoteAddress: '127.0.0.1' });
    expect(lookup.calls).toEqual(['dual.test']);
  });

  it('allows allowlisted loopback: by CIDR, by single IP, by host name', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    for (const allowlist of [['127.0.0.0/8'], ['127.0.0.1'], ['::ffff:127.0.0.0/104']]) {
      expect([allowlist, (await sender({ allowlist }).send({ url: target.url(), headers: {}, body: payload })).ok]).toEqual([
        allowlist,
        true,
      ]);
    }
    // By name, through the system resolver (localhost may come back as ::1 first: the next address is tried).
    const byName = await sender({ allowlist: ['localhost'] }).send({ url: `http://localhost:${target.port}/`, headers: {}, body: payload });
    expect(byName).toMatchObject({ ok: true, statusCode: 200, remoteAddress: '127.0.0.1' });
    // The name allowlisted does not allow the address under another name.
    const other = await sender({ allowlist: ['localhost'], lookup: fixedLookup('127.0.0.1') }).send({
      url: `http://other.test:${target.port}/`,
      headers: {},
      body: payload,
    });
    expect(other.errorClass).toBe('blocked');
    expect(target.requests).toHaveLength(4);
  });

  it('refuses http unless allowed, and URLs with credentials, without connecting', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const httpRefused = await sender({ allowHttp: false }).send({ url: target.url(), headers: {}, body: payload });
    expect(httpRefused).toMatchObject({ ok: false, errorClass: 'blocked', statusCode: null });
    expect(httpRefused.error).toMatch(/https/);
    const credentials = await sender().send({ url: `http://user:pw@127.0.0.1:${target.port}/`, headers: {}, body: payload });
    expect(credentials).toMatchObject({ errorClass: 'blocked' });
    expect(credentials.error).toMatch(/credentials/);
    expect(await sender().send({ url: 'ftp://127.0.0.1/', headers: {}, body: payload })).toMatchObject({ errorClass: 'blocked' });
    expect(target.connections).toBe(0);
  });
});
