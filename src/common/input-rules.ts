import type { NextFunction, Response } from 'express';
import { validationFailed, type FieldIssue } from './problem.js';
import type { AppRequest } from './request-context.js';

/**
 * The one layer that keeps out what no field of Percorsi can hold, for every route: it runs after
 * the body is parsed and before any handler, over the whole JSON body, the query string and the
 * headers the service keeps. Each field's own rules (types, enums, lengths) stay with its parser;
 * what is refused here is refused everywhere, including the routes added later:
 *
 * - U+0000, which PostgreSQL cannot store in `text` or `jsonb`;
 * - unpaired UTF-16 surrogates (`"\ud800"` in JSON), which are not Unicode text and which `jsonb`
 *   refuses;
 * - the other control characters except tab, line feed and carriage return: C0 (U+0001-U+001F),
 *   DEL (U+007F) and C1 (U+0080-U+009F). They mean nothing in a case file, are invisible on screen,
 *   can rewrite a terminal or a log line (ESC sequences), are forbidden by XML 1.0 (the format of
 *   the regional and national exchanges) and, for C1, are most often text decoded with the wrong
 *   charset;
 * - numbers a JSON parser turns into infinity (`1e400`), which would be stored as null;
 * - JSON nested deeper than MAX_DEPTH levels (no payload has more than three).
 */

export const MAX_DEPTH = 32;

// Tab (09), line feed (0A) and carriage return (0D) are the only control characters text may hold.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export type TextProblem = 'nul' | 'control' | 'surrogate';

/** What makes a string unfit to keep, or null when it is fit. */
export function textProblem(text: string): TextProblem | null {
  if (!text.isWellFormed()) return 'surrogate';
  const control = FORBIDDEN_CONTROL.exec(text);
  if (control) return control[0] === '\u0000' ? 'nul' : 'control';
  return null;
}

const TEXT_MESSAGES: Record<TextProblem, { it: string; en: string }> = {
  nul: { it: 'contiene il carattere U+0000', en: 'contains the character U+0000' },
  control: {
    it: 'contiene un carattere di controllo (sono ammessi solo tabulazione e a capo)',
    en: 'contains a control character (only tab and line breaks are allowed)',
  },
  surrogate: {
    it: 'contiene un surrogato UTF-16 spaiato: non è testo Unicode',
    en: 'contains an unpaired UTF-16 surrogate: it is not Unicode text',
  },
};

const textIssue = (field: string, problem: TextProblem): FieldIssue => ({ field, problem: 'format', message: TEXT_MESSAGES[problem] });

/** A key of an object that is not fit (the object is named: the key cannot be shown as it is). */
const keyIssue = (field: string, problem: TextProblem): FieldIssue => ({
  field,
  problem: 'format',
  message: { it: `una chiave ${TEXT_MESSAGES[problem].it}`, en: `a key ${TEXT_MESSAGES[problem].en}` },
});

/** A readable path to a value of a JSON body: `input.notes`, `filter.services[2]`. */
const child = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;

/**
 * Every problem of a parsed JSON body, walked without recursion (a 64 KiB body can nest thousands
 * of levels). Reports at most `limit` issues: enough to fix a request, not a denial of service.
 */
export function jsonIssues(body: unknown, limit = 20): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  while (stack.length > 0 && issues.length < limit) {
    const { value, path, depth } = stack.pop()!;
    const field = path || 'body';
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) issues.push(textIssue(field, problem));
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value))
        issues.push({ field, problem: 'range', message: { it: 'un numero troppo grande', en: 'a number too large' } });
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_DEPTH) {
        issues.push({
          field,
          problem: 'range',
          message: { it: `annidato oltre ${MAX_DEPTH} livelli`, en: `nested deeper than ${MAX_DEPTH} levels` },
        });
        continue;
      }
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: child(path, i), depth: depth + 1 });
      } else {
        const entries = Object.entries(value as Record<string, unknown>);
        for (let i = entries.length - 1; i >= 0; i--) {
          const [key, item] = entries[i];
          const problem = textProblem(key);
          if (problem) issues.push(keyIssue(field, problem));
          else stack.push({ value: item, path: child(path, key), depth: depth + 1 });
        }
      }
    }
  }
  // One object may hold many bad keys: the limit is kept exactly.
  return issues.slice(0, limit);
}

/** Headers whose values the service keeps or reads beyond a fixed pattern, as documented. */
const KEPT_HEADERS = ['Idempotency-Key', 'If-Match', 'Last-Event-ID'];

/** Problems in the query string (names and values) and in the headers the service keeps. */
export function queryAndHeaderIssues(request: AppRequest): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [name, value] of Object.entries(request.query ?? {})) {
    const nameProblem = textProblem(name);
    if (nameProblem) {
      issues.push(keyIssue('query', nameProblem));
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      const problem = typeof item === 'string' ? textProblem(item) : null;
      if (problem) {
        issues.push(textIssue(`query:${name}`, problem));
        break;
      }
    }
  }
  for (const name of KEPT_HEADERS) {
    const value = request.headers[name.toLowerCase()];
    const problem = typeof value === 'string' ? textProblem(value) : null;
    if (problem) issues.push(textIssue(`header:${name}`, problem));
  }
  return issues;
}

/** Query strings whose percent-encoding does not decode to UTF-8 are refused, not guessed at. */
function undecodableQueryIssue(url: string): FieldIssue | null {
  const question = url.indexOf('?');
  if (question < 0) return null;
  for (const pair of url.slice(question + 1).split('&')) {
    const [name] = pair.split('=', 1);
    try {
      decodeURIComponent(pair.replaceAll('+', ' '));
    } catch {
      let field = 'query';
      try {
        field = `query:${decodeURIComponent(name.replaceAll('+', ' '))}`;
      } catch {
        // the name itself does not decode
      }
      return {
        field,
        problem: 'format',
        message: { it: 'codifica percentuale non valida (UTF-8 richiesto)', en: 'invalid percent-encoding (UTF-8 required)' },
      };
    }
  }
  return null;
}

/** The middleware: after body parsing, before any handler. */
export function inputRules(request: AppRequest, _response: Response, next: NextFunction): void {
  const undecodable = undecodableQueryIssue(request.originalUrl);
  const issues = [...(undecodable ? [undecodable] : queryAndHeaderIssues(request))];
  if (request.body !== undefined && request.body !== null) issues.push(...jsonIssues(request.body));
  next(issues.length > 0 ? validationFailed(issues) : undefined);
}
