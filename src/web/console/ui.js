// @ts-check
/**
 * The console's small shared pieces: dates in Rome, the due badge, a refusal as the page shows it
 * (its reasons as ../common/reasons.js lists them), the pathways' descriptions (read once per
 * language) and the case types.
 */
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { ApiProblem, call, newKey } from '../common/api.js';
import { deadlineWord } from '../common/i18n.js';
import { Reasons } from '../common/reasons.js';

/**
 * @typedef {import('./words.js').Language} Language
 * @typedef {import('./words.js').Words} Words
 * @typedef {import('../common/event-form.js').EventDescription} EventDescription
 * @typedef {import('../common/api.js').Reason} Reason
 * @typedef {import('../common/api.js').FieldError} FieldError
 * @typedef {{ id: string, name: string, agencyId?: string }} Office
 * @typedef {{ operator: { id: string, username: string, name: string }, agency: { name: string } | null, offices: Office[], roles: string[] }} Me
 * @typedef {{ id: string, text: { it: string, en: string }, dueBy: string, metAt: string | null, state: string, daysLeft: number | null }} Deadline
 * @typedef {{ id: string, pathway: string, subject: string, officeId: string | null, assignee: string | null, status: string,
 *   services: Record<string, string>, deadlines?: Deadline[], version: number, practice: boolean, updatedAt?: string,
 *   context?: Record<string, any> }} CaseView
 * @typedef {{ key: string, code: string, name: { it: string, en: string } }} Service
 * @typedef {{ name: string, services: Service[], events: EventDescription[] }} Pathway
 * @typedef {{ message: string, reasons: Reason[], sides?: { side: string, reasons: Reason[] }[], stale: boolean }} Refusal
 */

/** @param {string} iso @param {Language} lang */
export const dateTime = (iso, lang) =>
  new Intl.DateTimeFormat(lang === 'it' ? 'it-IT' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Rome' }).format(
    new Date(iso),
  );
/** @param {string} day @param {Language} lang */
export const dayOf = (day, lang) =>
  new Intl.DateTimeFormat(lang === 'it' ? 'it-IT' : 'en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
/**
 * An act's time in Rome; an act dated by its day alone (stored at midnight UTC) shows its day only.
 * @param {string} iso @param {Language} lang
 */
export const actTime = (iso, lang) => (iso.endsWith('T00:00:00.000Z') ? dayOf(iso.slice(0, 10), lang) : dateTime(iso, lang));

/** @param {unknown} error @param {Words} w */
export const messageOf = (error, w) => (error instanceof Error ? error.message : `${w.error}`);

/** @param {{ deadline: { dueBy: string, state: string, daysLeft: number | null }, lang: Language, w: Words }} props */
export function DueBadge({ deadline, lang, w }) {
  const what = deadlineWord(deadline.state, lang);
  const text = `${dayOf(deadline.dueBy, lang)} · ${deadline.daysLeft === null ? what : `${what}, ${w.days(deadline.daysLeft)}`}`;
  return html`<span class=${`due due-${deadline.state}`}>${text}</span>`;
}

/**
 * A refusal as a form shows it: the service's field errors (for the fields), a stale page, or the
 * problem's detail with the guards' reasons (for a matching act, each side's).
 * @param {unknown} e @param {Words} w @returns {{ refusal: Refusal, fieldErrors: FieldError[] }}
 */
export function refusalOf(e, w) {
  if (e instanceof ApiProblem && e.status === 400 && e.problem.errors)
    return { refusal: { message: w.fixFields, reasons: [], stale: false }, fieldErrors: e.problem.errors };
  if (e instanceof ApiProblem && e.status === 412) return { refusal: { message: w.stale, reasons: [], stale: true }, fieldErrors: [] };
  if (e instanceof ApiProblem) {
    const sides = Object.entries(e.problem.sides ?? {})
      .filter(([, side]) => (side.reasons ?? []).length > 0)
      .map(([side, s]) => ({ side, reasons: s.reasons ?? [] }));
    return {
      refusal: { message: `${w.refused} ${e.message}`, reasons: sides.length > 0 ? [] : (e.problem.reasons ?? []), sides, stale: false },
      fieldErrors: [],
    };
  }
  return { refusal: { message: messageOf(e, w), reasons: [], stale: false }, fieldErrors: [] };
}

/** @param {{ refusal: Refusal | null, w: Words, onReload?: () => void }} props */
export function RefusalBox({ refusal, w, onReload }) {
  if (!refusal) return null;
  return html`<div role="alert" class="error">
    <p>${refusal.message}</p>
    ${refusal.reasons.length ? html`<${Reasons} reasons=${refusal.reasons} />` : null}
    ${(refusal.sides ?? []).map(
      (s) =>
        html`<div class="side">
          <strong>${s.side === 'person' ? w.personSide : s.side === 'employer' ? w.employerSide : s.side}</strong>
          <${Reasons} reasons=${s.reasons} />
        </div>`,
    )}
    ${refusal.stale && onReload ? html`<button type="button" onClick=${onReload}>${w.reload}</button>` : null}
  </div>`;
}

/** @type {Map<string, Promise<Pathway>>} */
const pathways = new Map();
/** A pathway's description (GET /pathways/:name), read once per language. @param {string} name @param {Language} lang */
export function pathwayOf(name, lang) {
  const key = `${name}:${lang}`;
  if (!pathways.has(key))
    pathways.set(
      key,
      call(`/pathways/${name}`, { language: lang }).then((a) => a.body),
    );
  return /** @type {Promise<Pathway>} */ (pathways.get(key));
}

/**
 * A form's sending: one Idempotency-Key until the service answers (a double submit records once;
 * an answered request's retry is a new one), busy while it waits, the refusal of its last answer.
 * @param {Words} w
 */
export function useSubmission(w) {
  const [key, setKey] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState(/** @type {Refusal | null} */ (null));
  const [fieldErrors, setFieldErrors] = useState(/** @type {FieldError[]} */ ([]));
  const reset = () => {
    setKey(newKey());
    setRefusal(null);
    setFieldErrors([]);
  };
  /** @param {(key: string) => Promise<unknown>} request @param {() => Promise<void>} then */
  const send = async (request, then) => {
    if (busy) return;
    setBusy(true);
    try {
      await request(key);
      reset();
      await then();
    } catch (error) {
      setKey(newKey());
      const shown = refusalOf(error, w);
      setRefusal(shown.refusal);
      setFieldErrors(shown.fieldErrors);
    } finally {
      setBusy(false);
    }
  };
  /** The service's error for a field. @param {string} field */
  const errorOf = (field) => fieldErrors.find((f) => f.field === field)?.message;
  return { busy, refusal, errorOf, send, reset };
}
