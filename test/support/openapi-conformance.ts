import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { isValidSubject } from './subjects.js';
import { documentReaderHeaders } from './signed-in.js';

/**
 * Checks HTTP responses against the service's OpenAPI document: the operation found by method and
 * path template must document the status, the content type, the body (ajv against the document's
 * schemas) and the required response headers. A path the document lacks must be a 404
 * ROUTE_NOT_FOUND, a method a known path lacks a 405 METHOD_NOT_ALLOWED: the document's generic
 * responses (components.responses.RouteNotFound and MethodNotAllowed).
 */

/** A response as a test client saw it. */
export interface ObservedResponse {
  method: string;
  /** The request path, with its query if any. */
  path: string;
  status: number;
  headers: Headers;
  /** The body parsed as JSON when it is JSON, else the text; null when empty. */
  body: unknown;
}

interface ResponseObject {
  $ref?: string;
  description?: string;
  content?: Record<string, { schema?: object }>;
  headers?: Record<string, { required?: boolean }>;
}

interface Operation {
  operationId?: string;
  responses: Record<string, ResponseObject>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object>; responses?: Record<string, ResponseObject> };
}

const DOCUMENT_ID = 'openapi.json';

/** A JSON pointer segment (RFC 6901). */
const pointer = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The document as ajv compiles it: ajv's OpenAPI `discriminator` support reads the tag values from
 * each `oneOf` branch and refuses an explicit `mapping`, so the mappings are dropped (the branches
 * say the same thing: each has its `type` enum).
 */
function withoutMappings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMappings);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => {
      if (key === 'discriminator' && child && typeof child === 'object') {
        const rest = { ...(child as Record<string, unknown>) };
        delete rest.mapping;
        return [key, rest];
      }
      return [key, withoutMappings(child)];
    }),
  );
}

interface Route {
  template: string;
  pattern: RegExp;
  params: number;
}

export class OpenApiConformance {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    // OpenAPI 3.0 schemas: `nullable` is known to ajv, `discriminator` with the option; `example` and
    // the like are annotations (strict mode off).
    this.ajv = new Ajv({ strict: false, allErrors: true, discriminator: true, validateSchema: false });
    // ajv-formats is CommonJS: its function is the default export's default.
    const addFormats = formats as unknown as { default?: (ajv: Ajv) => Ajv } & ((ajv: Ajv) => Ajv);
    (addFormats.default ?? addFormats)(this.ajv);
    // The API's own formats: a case's subject.
    this.ajv.addFormat('it-tax-code', (text: string) => isValidSubject('person', text));
    this.ajv.addFormat('it-company-tax-id', (text: string) => isValidSubject('employer', text));
    this.ajv.addSchema(withoutMappings(document) as object, DOCUMENT_ID);
    this.routes = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
      params: (template.match(/\{/g) ?? []).length,
    }));
  }

  /** Loads the document a running service serves at /docs/openapi.json. */
  static async fromService(base: string): Promise<OpenApiConformance> {
    const response = await fetch(`${base}/docs/openapi.json`, { headers: documentReaderHeaders(base) });
    if (response.status !== 200) throw new Error(`GET ${base}/docs/openapi.json: ${response.status}`);
    return new OpenApiConformance((await response.json()) as OpenApiDocument);
  }

  /** The path template a request path matches: a literal segment beats a parameter. */
  routeOf(path: string): string | null {
    const bare = decodeURI(path.split('?')[0]);
    const matches = this.routes.filter((r) => r.pattern.test(bare)).sort((a, b) => a.params - b.params);
    return matches[0]?.template ?? null;
  }

  /** What is wrong with a response, one line each; empty when it conforms. */
  check(response: ObservedResponse): string[] {
    const method = response.method.toLowerCase() === 'head' ? 'get' : response.method.toLowerCase();
    const template = this.routeOf(response.path);
    const generic = (name: string, why: string): { where: string; declared: ResponseObject | undefined } => ({
      where: `${why} (components.responses.${name})`,
      declared: this.document.components?.responses?.[name],
    });
    let where: string;
    let declared: ResponseObject | undefined;
    let pointerBase: string;
    if (template === null) {
      ({ where, declared } = generic('RouteNotFound', `${response.method} ${response.path}: no such path in the document`));
      pointerBase = '#/components/responses/RouteNotFound';
      if (response.status !== 404) return [`${where}: expected 404, got ${response.status}`];
    } else if (!this.document.paths[template][method]) {
      ({ where, declared } = generic('MethodNotAllowed', `${response.method} ${template}: no such operation in the document`));
      pointerBase = '#/components/responses/MethodNotAllowed';
      if (response.status !== 405) return [`${where}: expected 405, got ${response.status}`];
    } else {
      const operation = this.document.paths[template][method];
      const status = String(response.status);
      const key = status in operation.responses ? status : `${status[0]}XX` in operation.responses ? `${status[0]}XX` : 'default';
      where = `${response.method.toUpperCase()} ${template} (${operation.operationId ?? 'no operationId'}) → ${status}`;
      declared = operation.responses[key];
      if (!declared) {
        return [
          `${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')}); body ${preview(response.body)}`,
        ];
      }
      pointerBase = `#/paths/${pointer(template)}/${method}/responses/${pointer(key)}`;
    }
    if (declared?.$ref) {
      pointerBase = declared.$ref;
      declared = this.document.components?.responses?.[declared.$ref.split('/').pop()!];
    }
    if (!declared) return [`${where}: the document has no such response`];
    return this.checkResponse(where, declared, pointerBase, response);
  }

  /** Throws with every problem of a response that does not conform. */
  assert(response: ObservedResponse): void {
    const problems = this.check(response);
    if (problems.length > 0) {
      throw new Error(`Response does not conform to the OpenAPI document:\n  ${problems.join('\n  ')}`);
    }
  }

  private checkResponse(where: string, declared: ResponseObject, pointerBase: string, response: ObservedResponse): string[] {
    const problems: string[] = [];
    for (const [name, header] of Object.entries(declared.headers ?? {})) {
      if (header.required && !response.headers.has(name)) problems.push(`${where}: required header ${name} missing`);
    }
    const content = declared.content ?? {};
    const empty = response.body === null || response.body === '';
    if (Object.keys(content).length === 0) {
      if (!empty) problems.push(`${where}: the document declares no body, got ${preview(response.body)}`);
      return problems;
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const media = Object.keys(content).find((m) => m.toLowerCase() === type);
    if (!media) {
      problems.push(`${where}: content type '${type}' not documented (documented: ${Object.keys(content).join(', ')})`);
      return problems;
    }
    // A HEAD response has the GET's headers and no body.
    if (!content[media].schema || response.method.toUpperCase() === 'HEAD') return problems;
    const validate = this.validator(`${pointerBase}/content/${pointer(media)}/schema`);
    if (!validate(response.body)) {
      problems.push(`${where} ${media}: body does not match the schema:`);
      problems.push(...(validate.errors ?? []).map((e) => `  ${describe(e)}`));
      problems.push(`  body: ${preview(response.body)}`);
    }
    return problems;
  }

  /** The errors of a value against the schema at a JSON pointer of the document (#/components/schemas/...); empty when it matches. */
  errorsAgainst(schemaPointer: string, value: unknown): string[] {
    const validate = this.validator(schemaPointer);
    return validate(value) ? [] : (validate.errors ?? []).map(describe);
  }

  /** The compiled schema at a JSON pointer of the document (cached). */
  private validator(schemaPointer: string): ValidateFunction {
    let validate = this.validators.get(schemaPointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}${schemaPointer}` });
      this.validators.set(schemaPointer, validate);
    }
    return validate;
  }
}

const describe = (e: ErrorObject): string =>
  `${e.instancePath || '(body)'} ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : ''} [${e.schemaPath}]`;

const preview = (body: unknown): string => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
};

let loaded: Promise<OpenApiConformance> | undefined;

/** The checker for this test file: the document is fetched once, from the first service that answers. */
export function conformance(base: string): Promise<OpenApiConformance> {
  loaded ??= OpenApiConformance.fromService(base).catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}
