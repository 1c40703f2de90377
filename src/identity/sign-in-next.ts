/** Where a sign-in ends when `next` is missing or not a path of this service. */
export const DEFAULT_NEXT = '/';

const BASE = 'http://percorsi.invalid';

/**
 * `next` as a path of this service, or DEFAULT_NEXT: it must start with exactly one '/' (a browser
 * reads '//host' and '/\host' as another site), hold no backslash or control character, and stay on
 * this origin once resolved. Nothing else is followed: an open redirect would lend the service's
 * name to a phishing page.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 1000) return DEFAULT_NEXT;
  // eslint-disable-next-line no-control-regex
  if (!/^\/(?![/\\])/.test(next) || /[\\\u0000-\u001f\u007f]/.test(next)) return DEFAULT_NEXT;
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return DEFAULT_NEXT;
  }
  return url.origin === BASE ? `${url.pathname}${url.search}${url.hash}` : DEFAULT_NEXT;
}
