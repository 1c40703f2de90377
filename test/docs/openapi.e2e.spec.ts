import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { PATHWAYS, PATHWAY_NAMES, type FieldSpec } from '../../machines/index.js';
import { eventSchemaName, sharedEventSchemaName } from '../../src/common/openapi-events.js';
import { OpenApiConformance, type OpenApiDocument } from '../support/openapi-conformance.js';
import { client, startTestApp, type TestApp } from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';

type Schema = { properties?: Record<string, Schema>; required?: string[]; enum?: unknown[]; items?: Schema; [key: string]: unknown };

describe('the OpenAPI document', () => {
  let t: TestApp;
  let document: OpenApiDocument & { components: { schemas: Record<string, Schema> } };
  let checker: OpenApiConformance;

  beforeAll(async () => {
    t = await startTestApp();
    const response = await fetch(`${t.url}/docs/openapi.json`, { headers: t.operator.headers });
    expect(response.status).toBe(200);
    document = (await response.json()) as typeof document;
    checker = new OpenApiConformance(document);
  });
  afterAll(() => t?.close());

  it('is valid against the OpenAPI specification', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.0');
    // And the validator does refuse a broken document.
    const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, { responses?: unknown }>> };
    delete broken.paths['/cases'].get.responses;
    expect((await new Validator().validate(broken as unknown as Parameters<Validator['validate']>[0])).valid).toBe(false);
  });

  it('has one event body per event type of the catalogue, with its fields', () => {
    const schemas = document.components.schemas;
    const body = document.paths['/cases/{id}/events'].post as unknown as {
      requestBody: { content: Record<string, { schema: { $ref: string } }> };
    };
    expect(body.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/EventBody');
    const mapping = (schemas.EventBody.discriminator as { propertyName: string; mapping: Record<string, string> }).mapping;
    const catalogue = new Set(PATHWAY_NAMES.flatMap((p) => Object.keys(PATHWAYS[p].events)));
    // Adding an event to a machine without its schema (or the reverse) fails here.
    expect(Object.keys(mapping).sort()).toEqual([...catalogue].sort());
    for (const target of Object.values(mapping)) expect(schemas[target.split('/').pop()!]).toBeDefined();

    const fieldCheck = (schema: Schema, field: FieldSpec) => {
      const property = schema.properties![field.name];
      expect(property).toBeDefined();
      expect(property.description).toEqual(expect.stringContaining(field.description.en));
      if (field.type.kind === 'enum') expect(property.enum).toEqual([...field.type.values]);
      if (field.type.kind === 'enumList') expect(property.items!.enum).toEqual([...field.type.values]);
      if (field.type.kind === 'integer') expect([property.minimum, property.maximum]).toEqual([field.type.min, field.type.max]);
      if (field.type.kind === 'boolean') expect(property.type).toBe('boolean');
    };
    for (const pathway of PATHWAY_NAMES) {
      for (const [type, spec] of Object.entries(PATHWAYS[pathway].events)) {
        const schema = schemas[eventSchemaName(pathway, type)];
        expect(schema).toBeDefined();
        expect(schema.properties!.type.enum).toEqual([type]);
        expect(Object.keys(schema.properties!).sort()).toEqual(['at', 'type', ...spec.fields.map((f) => f.name)].sort());
        expect([...schema.required!].sort()).toEqual(['type', ...spec.fields.filter((f) => f.required).map((f) => f.name)].sort());
        expect(schema.additionalProperties).toBe(false);
        expect(schema.description).toEqual(expect.stringContaining(`Pathway: ${pathway}`));
        for (const field of spec.fields) fieldCheck(schema, field);
      }
    }
    // A type both pathways know points at a schema that names both.
    const shared = PATHWAY_NAMES.map((p) => Object.keys(PATHWAYS[p].events)).reduce((a, b) => a.filter((x) => b.includes(x)));
    expect(shared).toContain('PATTO_SIGNED');
    for (const type of shared) {
      expect(mapping[type]).toBe(`#/components/schemas/${sharedEventSchemaName(type)}`);
      expect(schemas[sharedEventSchemaName(type)].anyOf).toEqual(
        PATHWAY_NAMES.map((p) => ({ $ref: `#/components/schemas/${eventSchemaName(p, type)}` })),
      );
    }
  });

  it('describes event bodies that ajv enforces: fields, enums, formats and the discriminator', () => {
    const errors = (body: unknown) => checker.errorsAgainst('#/components/schemas/EventBody', body);
    expect(errors({ type: 'HIRED', contractType: 'permanent', contractStartDate: '2026-03-01', at: '2026-03-01T09:00:00Z' })).toEqual([]);
    expect(errors({ type: 'PATTO_SIGNED' })).toEqual([]);
    expect(errors({ type: 'PATTO_REFUSED', reason: 'no' })).toEqual([]);
    expect(errors({ type: 'COMPANY_CONTACTED', channel: 'phone' })).toEqual([]);
    expect(errors({ type: 'HIRED', contractType: 'permanent' }).join()).toContain('contractStartDate');
    expect(errors({ type: 'HIRED', contractType: 'forever', contractStartDate: '2026-03-01' }).join()).toContain('allowed values');
    expect(errors({ type: 'HIRED', contractType: 'permanent', contractStartDate: '1 March' }).join()).toContain('format');
    expect(errors({ type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 0 }).join()).toContain('>= 1');
    expect(errors({ type: 'INFORMATION_GIVEN', referral: 'A2', operator: { id: 'x', kind: 'cpi' } }).join()).toContain('additional');
    expect(errors({ type: 'NOT_AN_EVENT' }).join()).toContain('tag "type"');
  });

  it('describes practice, the deadlines, the transitions and the enums clients read', () => {
    const schemas = document.components.schemas;
    const create = schemas.CreatePersonCase;
    expect(create.properties!.practice.type).toBe('boolean');
    expect(schemas.CaseSummary.properties!.practice.type).toBe('boolean');
    expect(schemas.CaseSummary.properties!.pathway.enum).toEqual(PATHWAY_NAMES);
    expect(schemas.CaseSummary.properties!.services.additionalProperties).toEqual(
      expect.objectContaining({ enum: ['not_started', 'active', 'completed', 'not_applicable'] }),
    );
    expect(schemas.Deadline.properties!.state.enum).toEqual(['pending', 'met', 'overdue', 'waived']);
    expect(schemas.Deadline.required).toContain('daysLeft');
    expect(schemas.SubscriptionFilter.properties!.eventTypes.items!.enum).toEqual(expect.arrayContaining(['DEADLINE_APPROACHING', 'DEADLINE_OVERDUE']));
    expect(schemas.Transitions.properties!.blocked.items!.properties!.reasons.items).toEqual({ $ref: '#/components/schemas/Reason' });
    expect(Object.keys(schemas.Reason.properties!)).toEqual(['code', 'guard', 'message', 'fields']);
    expect(schemas.SubscriptionFilter.properties!.eventTypes.items!.enum).toContain('CASE_OPENED');
    const list = document.paths['/cases'].get as unknown as { parameters: { name: string; in: string; schema: Schema }[] };
    expect(list.parameters.find((p) => p.name === 'practice')!.schema.enum).toEqual(['false', 'true', 'all']);
    const post = document.paths['/cases/{id}/events'].post as unknown as {
      parameters: { name: string; in: string }[];
      responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
    };
    const headers = post.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    expect(headers).toEqual(expect.arrayContaining(['If-Match', 'Idempotency-Key', 'Accept-Language']));
    expect(headers).not.toContain('X-Operator-Id');
    expect(Object.keys(post.responses['200'].headers!)).toContain('ETag');
    expect(Object.keys(post.responses['409'].content!)).toEqual(['application/problem+json']);
    const stream = document.paths['/cases/{id}/stream'].get as unknown as { responses: Record<string, { content: object }> };
    expect(Object.keys(stream.responses['200'].content)).toEqual(['text/event-stream']);
    // Every operation documents its responses: a success (or, for the sign-in's redirects, a 3xx) and its problems.
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const statuses = Object.keys(operation.responses);
        expect({ route: `${method} ${path}`, success: statuses.some((s) => /^[23]/.test(s)) }).toEqual({
          route: `${method} ${path}`,
          success: true,
        });
      }
    }
  });

  it('is served as Swagger UI at /docs, whose document shows the per-event bodies', async () => {
    const page = await fetch(`${t.url}/docs`, { headers: t.operator.headers });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('swagger-ui');
    // The page's script carries the document it renders.
    const init = await (await fetch(`${t.url}/docs/swagger-ui-init.js`, { headers: t.operator.headers })).text();
    expect(init).toContain('PersonEvent.HIRED');
    expect(init).toContain('EmployerEvent.CANDIDATE_HIRED');
    const json = await client(t.url).get('/docs/openapi.json');
    expect(json.body.components.schemas['PersonEvent.HIRED'].required).toEqual(['type', 'contractType', 'contractStartDate']);
  });
});

describe('the response conformance check', () => {
  let t: TestApp;
  let checker: OpenApiConformance;

  beforeAll(async () => {
    t = await startTestApp();
    checker = await OpenApiConformance.fromService(t.url);
  });
  afterAll(() => t?.close());

  const json = (extra: Record<string, string> = {}) => new Headers({ 'content-type': 'application/json; charset=utf-8', ...extra });
  const problem = (extra: Record<string, string> = {}) =>
    new Headers({ 'content-type': 'application/problem+json; charset=utf-8', ...extra });

  it('accepts what the service answers', async () => {
    const opened = await client(t.url).post('/cases', { pathway: 'person', subject: taxCode() });
    expect(opened.status).toBe(201);
    expect(checker.check({ method: 'POST', path: '/cases', status: 201, headers: opened.headers, body: opened.body })).toEqual([]);
  });

  it('catches a body that does not match, naming the operation, the status and the ajv errors', async () => {
    const opened = await client(t.url).post('/cases', { pathway: 'person', subject: taxCode() });
    const wrong: Record<string, unknown> = { ...(opened.body as Record<string, unknown>), status: 'sleeping' };
    delete wrong.practice;
    const problems = checker.check({
      method: 'GET',
      path: `/cases/${opened.body.id}`,
      status: 200,
      headers: json({ etag: '"1"' }),
      body: wrong,
    });
    expect(problems.join('\n')).toContain('GET /cases/{id} (CasesController_get) → 200');
    expect(problems.join('\n')).toContain("must have required property 'practice'");
    expect(problems.join('\n')).toContain('/status must be equal to one of the allowed values');
    expect(() =>
      checker.assert({ method: 'GET', path: `/cases/${opened.body.id}`, status: 200, headers: json({ etag: '"1"' }), body: wrong }),
    ).toThrow(/does not conform to the OpenAPI document/);
  });

  it('catches an undocumented status, content type, problem code or missing header', () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const notFound = { type: 'x', title: 'x', status: 404, code: 'CASE_NOT_FOUND', detail: 'x' };
    expect(checker.check({ method: 'GET', path: `/cases/${id}`, status: 404, headers: problem(), body: notFound })).toEqual([]);
    expect(checker.check({ method: 'GET', path: `/cases/${id}`, status: 418, headers: problem(), body: notFound })[0]).toContain(
      'status not documented',
    );
    expect(checker.check({ method: 'GET', path: `/cases/${id}`, status: 404, headers: json(), body: notFound })[0]).toContain(
      "content type 'application/json' not documented",
    );
    expect(
      checker
        .check({
          method: 'GET',
          path: `/cases/${id}`,
          status: 404,
          headers: problem(),
          body: { ...notFound, code: 'SUBSCRIPTION_NOT_FOUND' },
        })
        .join(),
    ).toContain('/code must be equal to one of the allowed values');
    const opened = { status: 201, headers: json(), body: {} };
    expect(checker.check({ method: 'POST', path: '/cases', ...opened }).join()).toContain('required header Location missing');
  });

  it('holds unknown paths and methods to the generic 404 and 405', () => {
    const routeNotFound = { type: 'x', title: 'x', status: 404, code: 'ROUTE_NOT_FOUND', detail: 'x' };
    expect(checker.check({ method: 'GET', path: '/nowhere?x=1', status: 404, headers: problem(), body: routeNotFound })).toEqual([]);
    expect(checker.check({ method: 'GET', path: '/nowhere', status: 200, headers: json(), body: {} })[0]).toContain('expected 404');
    const notAllowed = { type: 'x', title: 'x', status: 405, code: 'METHOD_NOT_ALLOWED', detail: 'x', allowed: ['GET', 'HEAD', 'POST'] };
    expect(
      checker.check({ method: 'DELETE', path: '/cases', status: 405, headers: problem({ allow: 'GET, HEAD, POST' }), body: notAllowed }),
    ).toEqual([]);
    expect(checker.check({ method: 'DELETE', path: '/cases', status: 405, headers: problem(), body: notAllowed }).join()).toContain(
      'required header Allow missing',
    );
    expect(checker.check({ method: 'DELETE', path: '/cases', status: 404, headers: problem(), body: routeNotFound })[0]).toContain(
      'expected 405',
    );
  });
});
