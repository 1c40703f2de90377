// @ts-check
/**
 * The service's HTTP API as the pages call it (console and inspector): same origin, the session
 * cookie, JSON in and out, the request's language; a refusal is an ApiProblem carrying the problem
 * document (its stable `code`, the field errors, the guards' reasons).
 */

/**
 * @typedef {{ field: string, code?: string, message: string }} FieldError
 * @typedef {{ code?: string, guard?: string | null, message: string }} Reason
 * @typedef {{ type?: string, title?: string, status: number, code?: string, detail?: string,
 *   errors?: FieldError[], reasons?: Reason[], sides?: Record<string, { reasons?: Reason[] }> }} Problem
 */

export class ApiProblem extends Error {
  /** @param {number} status @param {Problem} problem */
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  get code() {
    return this.problem.code ?? '';
  }
}

/**
 * @typedef {{ method?: string, body?: unknown, language?: string, headers?: Record<string, string> }} CallOptions
 * @typedef {{ body: any, headers: Headers, status: number }} Answer
 */

/**
 * One call: the parsed body and the headers (ETag for a case); throws ApiProblem on any status
 * outside 2xx (a 401 sends the browser to the sign-in page, back here afterwards).
 * @param {string} path @param {CallOptions} [options] @returns {Promise<Answer>}
 */
export async function call(path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json', ...(options.headers ?? {}) };
  if (options.language) headers['accept-language'] = options.language;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (response.status === 401) {
    location.assign(`/auth/login?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`);
  }
  if (!response.ok) throw new ApiProblem(response.status, body ?? { status: response.status });
  return { body, headers: response.headers, status: response.status };
}

/** A new Idempotency-Key: one per form, so that a double submit records once. */
export const newKey = () => crypto.randomUUID();
