import http from 'node:http';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { DID_DATE } from '../../machines/testing/case-factory.js';
import { ProblemFilter } from '../../src/common/problem.filter.js';
import { RouteTable } from '../../src/common/route-table.js';
import { client, startTestApp, type ApiResponse, type Client, type TestApp } from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';

/**
 * The regressions found by putting the service under hostile input from the outside (issue 13):
 * each was a 500, or a body silently read as something else. Every one is now a 4xx problem with a
 * stable code, and changes nothing.
 */

interface Raw {
  status: number;
  contentType: string;
  body: any;
}

/** A request written byte by byte (fetch would normalise the path and the body). */
function raw(base: string, args: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<Raw> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, method: args.method, path: args.path, headers: args.headers ?? {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body });
        });
      },
    );
    request.on('error', reject);
    request.end(args.body);
  });
}

const fieldsOf = (res: ApiResponse | Raw): string[] => (res.body.errors ?? []).map((e: { field: string }) => e.field);

describe('hostile input: refused at the edge, never a 500, nothing changed', () => {
  let t: TestApp;
  let api: Client;
  let caseId: string;
  let snapshot: () => Promise<string>;

  beforeAll(async () => {
    t = await startTestApp({ env: { PERCORSI_WEBHOOK_DISPATCH: 'false' } });
    api = client(t.url);
    const opened = await api.post('/cases', { pathway: 'person', subject: 'RSSMRA80A01H501U' });
    expect(opened.status).toBe(201);
    caseId = opened.body.id;
    expect(
      (await api.post(`/cases/${caseId}/events`, { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30, at: DID_DATE })).status,
    ).toBe(200);
    // Every table's rows, and the case as it reads: a refused request must leave both as they were.
    snapshot = async () => {
      const [row] = await t.dataSource.query<{ digest: string }[]>(
        `SELECT md5(
           (SELECT count(*) FROM cases)::text || '/' || (SELECT count(*) FROM case_events)::text || '/' ||
           (SELECT count(*) FROM idempotency_keys)::text || '/' || (SELECT count(*) FROM webhook_subscriptions)::text || '/' ||
           (SELECT string_agg(c::text, ',' ORDER BY id) FROM cases c)) AS digest`,
      );
      return row.digest;
    };
  });

  afterAll(async () => {
    await t.close();
  });

  /** Sends, expects a problem with this status and code, and that nothing changed. */
  async function refused(send: () => Promise<ApiResponse | Raw>, status: number, code: string): Promise<ApiResponse | Raw> {
    const before = await snapshot();
    const res = await send();
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    expect(await snapshot()).toBe(before);
    return res;
  }

  describe('U+0000 is refused with the field that holds it', () => {
    it.each([
      ['subject', { pathway: 'person', subject: 'RSSMRA\u000080A01H501U' }],
      ['officeId', { pathway: 'person', subject: 'RSSMRA80A01H501U', officeId: 'CPI\u0000Roma' }],
      ['input.note', { pathway: 'person', subject: 'RSSMRA80A01H501U', input: { note: 'a\u0000b' } }],
    ])("in a new case's %s", async (field, body) => {
      const res = await refused(() => api.post('/cases', body), 400, 'VALIDATION_FAILED');
      expect(fieldsOf(res)).toEqual([field]);
      expect(res.body.errors[0].message).toContain('U+0000');
    });

    it("in an event's text field", async () => {
      const res = await refused(
        () => api.post(`/cases/${caseId}/events`, { type: 'WITHDRAWN', reason: 'moved\u0000abroad' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(res)).toEqual(['reason']);
    });

    it.each(['subject', 'office', 'state'])('in the list filter %s', async (name) => {
      const res = await refused(() => api.get(`/cases?${name}=a%00b`), 400, 'VALIDATION_FAILED');
      expect(fieldsOf(res)).toEqual([`query:${name}`]);
    });

    it('in a webhook subscription description', async () => {
      const res = await refused(
        () => api.post('/webhooks/subscriptions', { url: 'https://example.org/hook', description: 'x\u0000y' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(res)).toEqual(['description']);
    });
  });

  describe('unpaired UTF-16 surrogates are refused', () => {
    it.each([
      ['subject', '{"pathway":"person","subject":"RSSMRA80A01H501U\\ud800"}'],
      ['input.note', '{"pathway":"person","subject":"RSSMRA80A01H501U","input":{"note":"\\udfff x"}}'],
      ['input', '{"pathway":"person","subject":"RSSMRA80A01H501U","input":{"\\ud800":1}}'],
    ])('in %s', async (field, text) => {
      const res = await refused(() => api.post('/cases', text), 400, 'VALIDATION_FAILED');
      expect(fieldsOf(res)).toEqual([field]);
      expect(res.body.errors[0].message).toMatch(/UTF-16/);
    });

    it("in an event's text field, and a valid pair is kept", async () => {
      await refused(() => api.post(`/cases/${caseId}/events`, '{"type":"WITHDRAWN","reason":"x\\ud83d"}'), 400, 'VALIDATION_FAILED');
      const opened = await api.post('/cases', { pathway: 'person', subject: 'RSSMRA80A01H501U', practice: true });
      const kept = await api.post(`/cases/${opened.body.id}/events`, '{"type":"WITHDRAWN","reason":"Smile \\ud83d\\ude00"}');
      expect(kept.status).toBe(200);
      expect(kept.body.event.payload.reason).toBe('Smile 😀');
    });
  });

  it('other control characters are refused; tab and line breaks are kept', async () => {
    for (const bad of ['\u0007', '\u001b[31m', '\u007f', '\u0085']) {
      await refused(
        () => api.post(`/cases/${caseId}/events`, { type: 'WITHDRAWN', reason: `moved${bad}abroad` }),
        400,
        'VALIDATION_FAILED',
      );
    }
    const practice = await api.post('/cases', { pathway: 'person', subject: 'RSSMRA80A01H501U', practice: true });
    const withdrawn = await api.post(`/cases/${practice.body.id}/events`, { type: 'WITHDRAWN', reason: 'moved\tabroad:\r\nBerlin' });
    expect(withdrawn.status).toBe(200);
  });

  it('a number JSON parses to infinity is refused, not stored as null', async () => {
    const res = await refused(
      () => api.post('/cases', '{"pathway":"person","subject":"RSSMRA80A01H501U","input":{"n":1e400}}'),
      400,
      'VALIDATION_FAILED',
    );
    expect(res.body.errors).toEqual([{ field: 'input.n', problem: 'range', message: 'un numero troppo grande' }]);
  });

  it('JSON nested deeper than 32 levels is refused', async () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const res = await refused(
      () => api.post('/cases', `{"pathway":"person","subject":"RSSMRA80A01H501U","input":${deep}}`),
      400,
      'VALIDATION_FAILED',
    );
    expect(res.body.errors).toEqual([expect.objectContaining({ problem: 'range', message: 'annidato oltre 32 livelli' })]);
  });

  describe('cursors', () => {
    const cursor = (text: string) => Buffer.from(text).toString('base64url');
    const id = '0c7b2f0e-5f41-4d0c-9d7e-3b9b0a3f1e11';

    it.each([
      ['a date JavaScript holds and PostgreSQL does not', `-271821-04-20T00:00:00.000Z|${id}`],
      ['the first JavaScript date after PostgreSQL', `+275760-09-13T00:00:00.000Z|${id}`],
      ['year 0', `0000-01-01T00:00:00.000Z|${id}`],
      ['a date in another form', `Tue Dec 01 2026|${id}`],
      ['a third part', `2026-12-01T00:00:00.000Z|${id}|x`],
    ])('of the case list: %s is a 400 on query:cursor', async (_label, text) => {
      const res = await refused(() => api.get(`/cases?cursor=${cursor(text)}`), 400, 'VALIDATION_FAILED');
      expect(fieldsOf(res)).toEqual(['query:cursor']);
    });

    it('of the delivery log, and a replay window out of range', async () => {
      const created = await api.post('/webhooks/subscriptions', { url: 'https://example.org/hook' });
      expect(created.status).toBe(201);
      const sub = created.body.id;
      const res = await refused(
        () => api.get(`/webhooks/subscriptions/${sub}/deliveries?cursor=${cursor(`-271821-04-20T00:00:00.000Z|${id}`)}`),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(res)).toEqual(['query:cursor']);
      const replay = await refused(
        () => api.post(`/webhooks/subscriptions/${sub}/replay`, { from: '-271821-04-20T00:00:00Z', to: '2026-01-01' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(replay)).toEqual(['from']);
    });

    it('a cursor the service wrote still pages', async () => {
      await api.post('/cases', { pathway: 'person', subject: taxCode() });
      const first = await api.get('/cases?limit=1');
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await api.get(`/cases?limit=1&cursor=${first.body.nextCursor}`);
      expect(second.status).toBe(200);
      expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    });
  });

  describe('JSON is UTF-8', () => {
    it.each(['utf-7', 'UTF-16', 'utf-16le', 'iso-8859-1', 'latin1', 'utf8', 'bogus'])('charset=%s is a 415', async (charset) => {
      const res = await refused(
        () =>
          api.post('/cases', '{"pathway":"person","subject":"+ADw-script+AD4-"}', {
            'content-type': `application/json; charset=${charset}`,
          }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expect(res.body.detail).toContain('UTF-8');
    });

    it.each(['utf-8', 'UTF-8', '"utf-8"'])('charset=%s is accepted', async (charset) => {
      const res = await api.post(
        '/cases',
        { pathway: 'person', subject: 'RSSMRA80A01H501U', practice: true },
        {
          'content-type': `application/json; charset=${charset}`,
        },
      );
      expect(res.status).toBe(201);
    });

    it('invalid UTF-8 bytes are a 400, compressed or not', async () => {
      const bytes = Buffer.concat([Buffer.from('{"pathway":"person","subject":"ab'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
      for (const [body, headers] of [
        [bytes, { 'content-type': 'application/json' }],
        [gzipSync(bytes), { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
      ] as [Buffer, Record<string, string>][]) {
        const res = (await refused(
          () => raw(t.url, { method: 'POST', path: '/cases', headers: { ...headers, 'content-length': String(body.length) }, body }),
          400,
          'MALFORMED_JSON',
        )) as Raw;
        expect(res.contentType).toMatch(/^application\/problem\+json/);
        expect(res.body.detail).toContain('UTF-8');
      }
    });
  });

  describe("what Node's HTTP parser refuses is a problem too", () => {
    /** The raw answer to bytes written on a socket. */
    const exchange = (bytes: string) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(t.url);
        const socket = net.connect(Number(url.port), url.hostname, () => socket.write(bytes));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const problemOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;

    it('headers over 16 KiB: 431 HEADERS_TOO_LARGE', async () => {
      const answer = await exchange(`GET /cases HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer).toMatch(/content-type: application\/problem\+json/i);
      expect(problemOf(answer)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
    });

    it('broken framing: 400 MALFORMED_REQUEST', async () => {
      const answer = await exchange('POST /cases HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(problemOf(answer)).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST' });
    });
  });

  describe('paths and query strings that do not decode', () => {
    it.each(['/cases/%E0%A4%A', '/cases/%ff', '/%ED%A0%80', '/pathways/%C0%AF'])('%s is a 400 MALFORMED_PATH', async (path) => {
      for (const method of ['GET', 'POST']) {
        const res = await refused(
          () => raw(t.url, { method, path, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined }),
          400,
          'MALFORMED_PATH',
        );
        expect((res as Raw).contentType).toMatch(/^application\/problem\+json/);
      }
    });

    it('a query string that does not decode names its parameter', async () => {
      const res = await refused(() => raw(t.url, { method: 'GET', path: '/cases?subject=%ff%fe' }), 400, 'VALIDATION_FAILED');
      expect(fieldsOf(res)).toEqual(['query:subject']);
    });
  });
});

describe('a database error caused by the data is a 400, not a 500', () => {
  let t: TestApp;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { PERCORSI_WEBHOOK_DISPATCH: 'false' } });
    // The service's own filter, in front of real queries that the database refuses for their data.
    const filter = new ProblemFilter(t.config, t.app.get(RouteTable));
    const app = express();
    app.get('/int', (_req, _res, next) => void t.dataSource.query('SELECT $1::int', ['12x']).catch(next));
    app.get('/range', (_req, _res, next) => void t.dataSource.query('SELECT $1::int', ['99999999999']).catch(next));
    app.get('/nul', (_req, _res, next) => void t.dataSource.query(`SELECT '{"a":"\\u0000"}'::jsonb->>'a'`).catch(next));
    app.get('/fault', (_req, _res, next) => void t.dataSource.query('SELECT * FROM no_such_table').catch(next));
    app.use(filter.middleware);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it.each([
    ['/int', '22P02'],
    ['/range', '22003'],
    ['/nul', '22P05'],
  ])('%s: 400 VALUE_NOT_STORABLE with the SQLSTATE', async (path, state) => {
    const res = await fetch(`${base}${path}`);
    const body = (await res.json()) as Record<string, unknown>;
    expect({ status: res.status, code: body.code, sqlState: body.sqlState }).toEqual({
      status: 400,
      code: 'VALUE_NOT_STORABLE',
      sqlState: state,
    });
  });

  it('a real fault stays a 500', async () => {
    const res = await fetch(`${base}/fault`);
    expect(res.status).toBe(500);
  });
});
