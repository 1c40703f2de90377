import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACT_DATE } from '../../machines/testing/case-factory.js';
import { ADMIN_PASSWORD } from '../identity/identity-fixture.js';
import { startService, type RunningService } from '../support/service-process.js';
import { client, newTestDatabase, startTestApp, type Client, type TestDatabase } from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';

/** Personal data that must never reach a log line (issue 14; GDPR art. 5(1)(c), 32). */
const TAX_CODE = 'RSSMRA80A01H501U';
/** Valid tax codes the trigger below refuses: as a data exception, and as an unexpected error. */
const DATA_TAX_CODE = taxCode();
const FAULT_TAX_CODE = taxCode();
const NAME = 'Ernesta Quaglierini';
const PAYLOAD = 'studio-legale-7c1f9';

/**
 * A trigger that makes the database refuse a case and echo its subject, the way PostgreSQL's own
 * messages and details echo values (`invalid input syntax ...: "..."`, `Key (subject)=(...)`):
 * DATA_TAX_CODE as a data exception (22023, a 400), FAULT_TAX_CODE as an unexpected error (a 500).
 */
const ECHOING_TRIGGER = `
CREATE FUNCTION echo_subject() RETURNS trigger AS $$
BEGIN
  IF NEW.subject = '${DATA_TAX_CODE}' THEN
    RAISE EXCEPTION 'subject % refused', NEW.subject USING ERRCODE = '22023', DETAIL = 'Key (subject)=(' || NEW.subject || ')';
  END IF;
  IF NEW.subject = '${FAULT_TAX_CODE}' THEN
    RAISE EXCEPTION 'subject % refused', NEW.subject USING DETAIL = 'Key (subject)=(' || NEW.subject || ')';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER echo_subject BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION echo_subject();`;

type LogLine = Record<string, any>;

describe('the logs hold no personal data (the service as a process, its stdout read)', () => {
  let database: TestDatabase;
  let service: RunningService;
  let api: Client;
  let auth: Record<string, string>;
  const secrets: string[] = [];
  let lines: LogLine[] = [];
  let output = '';

  beforeAll(async () => {
    database = await newTestDatabase();
    // Migrate the database and add the echoing trigger, then start the real service on it.
    const prepare = await startTestApp({ database, env: { PERCORSI_ADMIN_PASSWORD: ADMIN_PASSWORD } });
    await prepare.dataSource.query(ECHOING_TRIGGER);
    await prepare.close();
    service = await startService({
      database,
      readyTimeoutMs: 90_000,
      env: { PERCORSI_LOG_LEVEL: 'info', PERCORSI_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    // Not the conformance check: the refusals provoked here (a 500) are not in the document.
    api = client(service.url, {}, { conformance: false });
    // As the admin: a case manager with an API token (the case routes need one once the policy guard is in).
    const login = await api.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    secrets.push(cookie.split('=')[1]);
    const admin = { cookie, origin: service.url };
    const agency = await api.post('/admin/agencies', { name: 'CPI Log', kind: 'cpi' }, admin);
    const office = await api.post('/admin/offices', { name: 'CPI Log sede', agencyId: agency.body.id }, admin);
    const operator = await api.post(
      '/admin/operators',
      { username: 'log.reader', name: 'Log Reader', roles: ['case_manager'], officeIds: [office.body.id], kind: 'service' },
      admin,
    );
    expect(operator.status).toBe(201);
    const token = await api.post(`/admin/operators/${operator.body.id}/tokens`, { name: 'log test' }, admin);
    expect(token.status).toBe(201);
    secrets.push(token.body.token);
    auth = { authorization: `Bearer ${token.body.token}` };

    const statuses = async (): Promise<number[]> => [
      (await api.get(`/cases?subject=${TAX_CODE}&limit=5`, auth)).status,
      (await api.get(`/cases?subject=${TAX_CODE}&${TAX_CODE}=1`, auth)).status,
      (
        await api.get(`/cases?pathway=person&subject=${encodeURIComponent(NAME)}`, {
          ...auth,
          referer: `${service.url}/inspector?subject=${TAX_CODE}`,
        })
      ).status,
    ];
    const opened = await api.post('/cases', { pathway: 'person', subject: TAX_CODE }, auth);
    const id = opened.body.id as string;
    const event = { type: 'INFORMATION_GIVEN', referral: 'external', externalService: `${PAYLOAD} ${NAME}`, at: ACT_DATE };
    expect({
      lists: await statuses(),
      opened: opened.status,
      event: (await api.post(`/cases/${id}/events`, event, auth)).status,
      // Validation errors about the payload (an enum given a name; unknown fields named after data).
      invalid: (await api.post(`/cases/${id}/events`, { ...event, referral: NAME, [TAX_CODE]: PAYLOAD }, auth)).status,
      malformed: (await api.post('/cases', `{"pathway":"person","subject":"${TAX_CODE}",`, auth)).status,
      // The database refuses and echoes the subject in its message and detail; the query's parameters carry it.
      dataException: (await api.post('/cases', { pathway: 'person', subject: DATA_TAX_CODE, input: {} }, auth)).body.code,
      fault: (await api.post('/cases', { pathway: 'person', subject: FAULT_TAX_CODE }, auth)).body.code,
    }).toEqual({
      lists: [200, 400, 200],
      opened: 201,
      event: 200,
      invalid: 400,
      malformed: 400,
      dataException: 'VALUE_NOT_STORABLE',
      fault: 'INTERNAL_ERROR',
    });
    await service.stop();
    output = service.output();
    lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
    // Two starts (an app to migrate and add the trigger, then the process): slow on a busy machine.
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('never logs a subject, a name, a payload or a credential', () => {
    for (const text of [
      TAX_CODE,
      TAX_CODE.toLowerCase(),
      DATA_TAX_CODE,
      FAULT_TAX_CODE,
      NAME,
      encodeURIComponent(NAME),
      PAYLOAD,
      ...secrets,
    ]) {
      expect({ text, found: output.includes(text) }).toEqual({ text, found: false });
    }
  });

  it('still logs every request line, with the query values redacted but for harmless ones', () => {
    const requests = lines.filter((l) => l.req && l.res).map((l) => `${l.req.method} ${l.req.url} ${l.res.statusCode}`);
    expect(requests).toEqual(
      expect.arrayContaining([
        'GET /cases?subject=[redacted]&limit=5 200',
        'GET /cases?subject=[redacted]&[redacted] 400',
        'GET /cases?pathway=person&subject=[redacted] 200',
        'POST /cases 201',
        'POST /cases 400',
        'POST /cases 500',
      ]),
    );
    const withReferer = lines.find((l) => l.req?.url === '/cases?pathway=person&subject=[redacted]');
    expect(withReferer?.req.headers.referer).toBe(`${service.url}/inspector?subject=[redacted]`);
    expect(withReferer?.req).not.toHaveProperty('query');
    const withToken = lines.find((l) => l.req?.headers?.authorization);
    expect(withToken?.req.headers.authorization).toBe('[Redacted]');
    const login = lines.find((l) => l.req?.url === '/auth/login');
    expect(login?.res.headers['set-cookie']).toBe('[Redacted]');
  });

  it('logs database errors by their SQLSTATE, never their message or values', () => {
    const messages = lines.map((l) => String(l.msg ?? ''));
    expect(messages).toEqual(
      expect.arrayContaining([expect.stringMatching(/^value refused by the database: QueryFailedError: SQLSTATE 22023/)]),
    );
    const fault = lines.find((l) => l.level === 50 && /SQLSTATE P0001/.test(String(l.msg ?? '')));
    expect(fault?.msg).toMatch(/^QueryFailedError: SQLSTATE P0001 \(message and values not logged\)\n\s+at /);
  });
});
