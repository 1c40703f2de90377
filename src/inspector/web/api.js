// @ts-check
/** The public HTTP API, as the page uses it: same origin, JSON, problem+json errors. */

/** An API answer that is not 2xx: the problem+json body (code, detail, reasons, errors). */
export class ApiProblem extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    super(typeof body?.detail === 'string' ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * @param {string} path @param {{ method?: string, body?: unknown, language: string }} options
 * @returns {Promise<any>}
 */
export async function api(path, options) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', 'Accept-Language': options.language };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: 'no-store',
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  // Not signed in (or the session ended): to the sign-in page, which comes back here afterwards.
  if (response.status === 401) signIn();
  if (!response.ok) throw new ApiProblem(response.status, body);
  return body;
}

/** Goes to the sign-in page, with this page (path and query) as where to come back. */
export function signIn() {
  const here = window.location.pathname + window.location.search;
  window.location.assign(`/auth/login?next=${encodeURIComponent(here)}`);
}
