// @ts-check
/**
 * The worklist (GET /worklist): mine or the office's, the most urgent first, filtered by service,
 * the case's status and overdue; the search by tax code or partita IVA; opening a new case. A
 * slower answer to an older filter or search never replaces a newer one.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { ApiProblem, call, newKey } from '../common/api.js';
import { Field, errorText, invalidProps } from '../common/event-form.js';
import { serviceCode, statusWord } from '../common/i18n.js';
import { DueBadge, dateTime, messageOf, pathwayOf } from './ui.js';

/**
 * @typedef {import('./words.js').Language} Language
 * @typedef {import('./words.js').Words} Words
 * @typedef {import('./ui.js').Me} Me
 * @typedef {import('./ui.js').CaseView} CaseView
 * @typedef {import('./ui.js').Service} Service
 * @typedef {import('../common/api.js').FieldError} FieldError
 * @typedef {{ id: string, dueBy: string, state: string, daysLeft: number | null }} NextDeadline
 * @typedef {{ caseId: string, pathway: string, subject: string, officeId: string | null, assignee: string | null,
 *   nextDeadline: NextDeadline | null, lastActivityAt: string, services: Record<string, string> }} WorklistItem
 */

/**
 * Runs `load` when `deps` change and hands its answer to `apply` only while it is the latest one:
 * an older request that answers after a newer one is dropped (a request sequence number).
 * @template T
 * @param {() => Promise<T>} load @param {(value: T) => void} apply @param {(error: unknown) => void} fail @param {unknown[]} deps
 */
function useLatest(load, apply, fail, deps) {
  const sequence = useRef(0);
  useEffect(() => {
    const mine = ++sequence.current;
    load().then(
      (value) => mine === sequence.current && apply(value),
      (error) => mine === sequence.current && fail(error),
    );
  }, deps);
  return sequence;
}

/** The subject, as a field of the shared form (the label in the page's language for both languages). @param {Words} w */
const SUBJECT_FIELD = (w) => ({
  name: 'subject',
  type: { kind: 'string', maxLength: 200 },
  required: true,
  description: { it: w.subjectCode, en: w.subjectCode },
});

/**
 * Opening a case: the pathway, the subject (the service checks the tax code or partita IVA and
 * answers the field's error) and the office when the operator has several. A subject with a case
 * already open in the agency gets the link to it instead.
 * @param {{ me: Me, lang: Language, officeId: string, w: Words, onClose: () => void }} props
 */
function NewCase({ me, lang, officeId, w, onClose }) {
  const [key] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState(/** @type {FieldError[]} */ ([]));
  const [problem, setProblem] = useState(/** @type {{ message: string, openCase: string | null } | null} */ (null));
  /** @param {SubmitEvent} e */
  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    const data = new FormData(/** @type {HTMLFormElement} */ (e.currentTarget));
    const office = String(data.get('officeId') ?? '');
    const subject = String(data.get('f.subject') ?? '');
    setBusy(true);
    try {
      const { body } = await call('/cases', {
        method: 'POST',
        language: lang,
        headers: { 'idempotency-key': key },
        body: { pathway: String(data.get('pathway')), subject, ...(office ? { officeId: office } : {}) },
      });
      location.hash = `#/cases/${body.id}`;
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 400 && error.problem.errors) {
        setFieldErrors(error.problem.errors);
        setProblem({ message: w.fixFields, openCase: null });
      } else if (error instanceof ApiProblem && error.code === 'CASE_ALREADY_OPEN') {
        setFieldErrors([]);
        setProblem({ message: w.alreadyOpen, openCase: String(/** @type {any} */ (error.problem).openCaseId ?? '') || null });
      } else setProblem({ message: messageOf(error, w), openCase: null });
    } finally {
      setBusy(false);
    }
  };
  const subjectError = fieldErrors.find((f) => f.field === 'subject')?.message;
  const officeError = fieldErrors.find((f) => f.field === 'officeId')?.message;
  return html`<form class="event-form new-case" onSubmit=${submit} aria-label=${w.newCase} novalidate>
    <h2>${w.newCase}</h2>
    ${
      problem
        ? html`<div role="alert" class="error">
            <p>${problem.message}</p>
            ${problem.openCase ? html`<p><a href=${`#/cases/${problem.openCase}`}>${w.openTheCase}</a></p>` : null}
          </div>`
        : null
    }
    <div class="field">
      <label for="new-pathway">${w.pathway}</label>
      <select id="new-pathway" name="pathway">
        <option value="person">${w.person}</option>
        <option value="employer">${w.employer}</option>
      </select>
    </div>
    <${Field} field=${SUBJECT_FIELD(w)} lang=${lang} error=${subjectError} />
    ${
      me.offices.length > 1
        ? html`<div class="field">
            <label for="new-office">${w.office}</label>
            <select id="new-office" name="officeId" value=${officeId || me.offices[0].id} ...${invalidProps('new-office', officeError)}>
              ${me.offices.map((o) => html`<option value=${o.id}>${o.name}</option>`)}
            </select>
            ${errorText('new-office', officeError)}
          </div>`
        : null
    }
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${w.open}</button>
      <button type="button" onClick=${onClose}>${w.cancel}</button>
    </div>
  </form>`;
}

/**
 * The cases of a subject (GET /cases?subject=: the whole tax code or partita IVA, whatever the
 * letter case and spaces), newest first, those in the operator's reach only.
 * @param {{ text: string, lang: Language, w: Words }} props
 */
function SearchResults({ text, lang, w }) {
  const [items, setItems] = useState(/** @type {CaseView[] | null} */ (null));
  const [error, setError] = useState('');
  useLatest(
    () => {
      setItems(null);
      setError('');
      return call(`/cases?${new URLSearchParams({ subject: text, limit: '50' })}`, { language: lang });
    },
    ({ body }) => setItems(body.items),
    (e) => setError(messageOf(e, w)),
    [text, lang],
  );
  if (error) return html`<p role="alert" class="error">${error}</p>`;
  if (items === null) return html`<p aria-live="polite">${w.loading}</p>`;
  if (items.length === 0) return html`<p>${w.noMatch}</p>`;
  return html`<table class="worklist search-results">
    <caption>
      ${w.searchResults}
    </caption>
    <thead>
      <tr>
        <th scope="col">${w.subject}</th>
        <th scope="col">${w.pathway}</th>
        <th scope="col">${w.status}</th>
      </tr>
    </thead>
    <tbody>
      ${items.map(
        (c) =>
          html`<tr key=${c.id}>
            <td><a href=${`#/cases/${c.id}`}>${c.subject}</a></td>
            <td>${c.pathway === 'person' ? w.person : w.employer}</td>
            <td>${statusWord(c.status, lang)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** @param {{ me: Me, lang: Language, officeId: string, w: Words }} props */

const SERVICE_KEYS = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'B1', 'B2', 'B3', 'B4'];

/** The services' names in the page's language, from both pathways (codes alone until they are read). @param {Language} lang */
function useServiceNames(lang) {
  const [names, setNames] = useState(/** @type {Record<string, string>} */ ({}));
  useEffect(() => {
    Promise.all([pathwayOf('person', lang), pathwayOf('employer', lang)])
      .then((all) => setNames(Object.fromEntries(all.flatMap((p) => p.services.map((s) => [s.key, s.name[lang]])))))
      .catch(() => setNames({}));
  }, [lang]);
  return names;
}

/**
 * The filters as a request: active cases come from the worklist (most urgent first); closed ones,
 * which have no deadlines, from GET /cases (newest first), a service filter then meaning the
 * services they completed.
 * @param {{ scope: 'mine' | 'office', overdue: boolean, service: string, status: 'active' | 'done', officeId: string }} f
 */
function requestOf(f) {
  if (f.status === 'done') {
    const q = new URLSearchParams({ status: 'done', scope: f.scope === 'mine' ? 'mine' : 'all', limit: '50' });
    if (f.officeId) q.set('officeId', f.officeId);
    if (f.service) {
      q.set('service', f.service);
      q.set('serviceStatus', 'completed');
    }
    return { path: '/cases', query: q };
  }
  const q = new URLSearchParams({ scope: f.scope, limit: '50' });
  if (f.officeId) q.set('officeId', f.officeId);
  if (f.overdue) q.set('overdue', 'true');
  if (f.service) q.set('service', f.service);
  return { path: '/worklist', query: q };
}

/** A page of either answer, as worklist rows. @param {any} body @returns {{ items: WorklistItem[], next: string | null }} */
const rowsOf = (body) => ({
  items: body.items.map((/** @type {any} */ i) =>
    'caseId' in i ? i : { ...i, caseId: i.id, nextDeadline: null, lastActivityAt: i.updatedAt },
  ),
  next: body.nextCursor,
});

/** @param {{ me: Me, lang: Language, officeId: string, w: Words }} props */
export function Worklist({ me, lang, officeId, w }) {
  const [opening, setOpening] = useState(false);
  const [search, setSearch] = useState('');
  const [scope, setScope] = useState(/** @type {'mine' | 'office'} */ ('mine'));
  const [overdue, setOverdue] = useState(false);
  const [service, setService] = useState('');
  const [status, setStatus] = useState(/** @type {'active' | 'done'} */ ('active'));
  const [items, setItems] = useState(/** @type {WorklistItem[] | null} */ (null));
  // The status of the list shown: its rows' answer's, not the filter's (which changes first).
  const [shownStatus, setShownStatus] = useState(status);
  const [next, setNext] = useState(/** @type {string | null} */ (null));
  const [error, setError] = useState('');
  const names = useServiceNames(lang);
  const request = useMemo(() => requestOf({ scope, overdue, service, status, officeId }), [scope, overdue, service, status, officeId]);
  const sequence = useLatest(
    () => {
      setItems(null);
      setNext(null);
      setError('');
      return call(`${request.path}?${request.query}`, { language: lang });
    },
    ({ body }) => {
      const page = rowsOf(body);
      setItems(page.items);
      setShownStatus(request.path === '/cases' ? 'done' : 'active');
      setNext(page.next);
    },
    (e) => setError(messageOf(e, w)),
    [request, lang],
  );
  const more = () => {
    if (!next) return;
    const mine = sequence.current;
    call(`${request.path}?${request.query}&cursor=${encodeURIComponent(next)}`, { language: lang })
      .then(({ body }) => {
        // The filters changed meanwhile: this page belongs to a list no longer shown.
        if (mine !== sequence.current) return;
        const page = rowsOf(body);
        setItems([...(items ?? []), ...page.items]);
        setNext(page.next);
      })
      .catch((e) => mine === sequence.current && setError(messageOf(e, w)));
  };
  const offices = new Map(me.offices.map((o) => [o.id, o.name]));
  /** @param {Event} e */
  const valueOf = (e) => /** @type {HTMLSelectElement} */ (e.currentTarget).value;
  return html`<section aria-labelledby="worklist-title">
    <h1 id="worklist-title">${w.worklist}</h1>
    <div class="filters">
      <form
        role="search"
        class="search"
        onSubmit=${(/** @type {SubmitEvent} */ e) => {
          e.preventDefault();
          const data = new FormData(/** @type {HTMLFormElement} */ (e.currentTarget));
          setSearch(String(data.get('q') ?? '').replace(/\s+/g, ''));
        }}
      >
        <label for="search">${w.search}</label>
        <input id="search" name="q" type="search" autocomplete="off" />
        <button type="submit">${w.find}</button>
      </form>
      <button type="button" class="primary" onClick=${() => setOpening(true)} aria-expanded=${opening}>${w.newCase}</button>
    </div>
    ${opening ? html`<${NewCase} me=${me} lang=${lang} officeId=${officeId} w=${w} onClose=${() => setOpening(false)} />` : null}
    ${search ? html`<${SearchResults} text=${search} lang=${lang} w=${w} />` : null}
    <div class="filters" role="group" aria-label=${w.filters}>
      <div class="tabs">
        <button type="button" aria-pressed=${scope === 'mine'} onClick=${() => setScope('mine')}>${w.mine}</button>
        <button type="button" aria-pressed=${scope === 'office'} onClick=${() => setScope('office')}>${w.officeScope}</button>
      </div>
      <label class="choice"
        >${w.service}
        <select value=${service} onChange=${(/** @type {Event} */ e) => setService(valueOf(e))}>
          <option value="">${w.allServices}</option>
          ${SERVICE_KEYS.map((k) => html`<option value=${k}>${serviceCode(k)}${names[k] ? ` ${names[k]}` : ''}</option>`)}
        </select>
      </label>
      <label class="choice"
        >${w.caseStatus}
        <select value=${status} onChange=${(/** @type {Event} */ e) => setStatus(valueOf(e) === 'done' ? 'done' : 'active')}>
          <option value="active">${w.openCases}</option>
          <option value="done">${w.closedCases}</option>
        </select>
      </label>
      <label class="choice"
        ><input
          type="checkbox"
          checked=${overdue && status === 'active'}
          disabled=${status === 'done'}
          onChange=${() => setOverdue(!overdue)}
        />
        ${w.overdueOnly}</label
      >
    </div>
    ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    ${items === null && !error ? html`<p aria-live="polite">${w.loading}</p>` : null}
    ${items !== null && items.length === 0 ? html`<p>${w.empty}</p>` : null}
    ${
      items !== null && items.length > 0
        ? html`<table class="worklist" data-status=${shownStatus}>
            <thead>
              <tr>
                <th scope="col">${w.subject}</th>
                <th scope="col">${w.pathway}</th>
                <th scope="col">${w.nextDeadline}</th>
                <th scope="col">${w.services}</th>
                <th scope="col">${w.lastActivity}</th>
                <th scope="col">${w.office}</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                (item) =>
                  html`<tr key=${item.caseId} class=${item.nextDeadline?.state === 'overdue' ? 'row-overdue' : ''}>
                    <td><a href=${`#/cases/${item.caseId}`}>${item.subject}</a></td>
                    <td>${item.pathway === 'person' ? w.person : w.employer}</td>
                    <td>${item.nextDeadline ? html`<${DueBadge} deadline=${item.nextDeadline} lang=${lang} w=${w} />` : w.none}</td>
                    <td>
                      ${
                        Object.entries(item.services)
                          .filter(([, s]) => s === 'active')
                          .map(([code]) => code)
                          .join(', ') || w.none
                      }
                    </td>
                    <td>${dateTime(item.lastActivityAt, lang)}</td>
                    <td>${(item.officeId && offices.get(item.officeId)) ?? item.officeId}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : null
    }
    ${next ? html`<button type="button" onClick=${more}>${w.more}</button>` : null}
  </section>`;
}
