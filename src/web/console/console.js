// @ts-check
/**
 * The console for case managers (GET /): the worklist, a case's page with what can be done now as
 * forms, the blocked steps with their reasons. Everything goes through the public API with the
 * session cookie. Preact with htm: no build step; the page's import map names the modules.
 */
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { ApiProblem, call, newKey } from '../common/api.js';
import { EventForm, Field } from '../common/event-form.js';
import { WORDS } from './words.js';

/**
 * @typedef {import('./words.js').Language} Language
 * @typedef {import('./words.js').Words} Words
 * @typedef {import('../common/event-form.js').EventDescription} EventDescription
 * @typedef {import('../common/api.js').Reason} Reason
 * @typedef {import('../common/api.js').FieldError} FieldError
 * @typedef {{ id: string, name: string, agencyId?: string }} Office
 * @typedef {{ operator: { id: string, username: string, name: string }, agency: { name: string } | null, offices: Office[], roles: string[] }} Me
 * @typedef {{ id: string, dueBy: string, state: string, daysLeft: number | null }} NextDeadline
 * @typedef {{ caseId: string, pathway: string, subject: string, officeId: string, assignee: string | null,
 *   nextDeadline: NextDeadline | null, lastActivityAt: string, services: Record<string, string> }} WorklistItem
 * @typedef {{ id: string, text: { it: string, en: string }, dueBy: string, metAt: string | null, state: string, daysLeft: number | null }} Deadline
 * @typedef {{ id: string, pathway: string, subject: string, officeId: string | null, assignee: string | null, status: string,
 *   services: Record<string, string>, deadlines?: Deadline[], version: number, practice: boolean }} CaseView
 * @typedef {{ event: string, service: string | null, summary: string }} Allowed
 * @typedef {{ event: string, service: string | null, kind: string, reasons: Reason[] }} Blocked
 * @typedef {{ allowed: Allowed[], blocked: Blocked[] }} Transitions
 * @typedef {{ sequence: number, type: string, payload: Record<string, unknown>, actor: { username?: string, id?: string, kind?: string },
 *   occurredAt: string, recordedAt: string }} HistoryEvent
 * @typedef {{ key: string, code: string, name: { it: string, en: string } }} Service
 * @typedef {{ name: string, services: Service[], events: EventDescription[] }} Pathway
 */

const LANG_KEY = 'percorsi.lang';

/** @returns {Language} */
function initialLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  return saved === 'en' || saved === 'it' ? saved : 'it';
}

/** The route in the hash: '#/cases/<id>' or the worklist. */
function routeOf() {
  const match = /^#\/cases\/([0-9a-fA-F-]{36})$/.exec(location.hash);
  return match ? { page: 'case', caseId: match[1] } : { page: 'worklist', caseId: '' };
}

/**
 * An act's time in Rome; an act dated by its day alone (stored at midnight UTC) shows its day only.
 * @param {string} iso @param {Language} lang
 */
const actTime = (iso, lang) => (iso.endsWith('T00:00:00.000Z') ? dayOf(iso.slice(0, 10), lang) : dateTime(iso, lang));
/** @param {string} iso @param {Language} lang */
const dateTime = (iso, lang) =>
  new Intl.DateTimeFormat(lang === 'it' ? 'it-IT' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Rome' }).format(
    new Date(iso),
  );
/** @param {string} day @param {Language} lang */
const dayOf = (day, lang) =>
  new Intl.DateTimeFormat(lang === 'it' ? 'it-IT' : 'en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));

/** @param {unknown} error @param {Words} w */
const messageOf = (error, w) => (error instanceof Error ? error.message : `${w.error}`);

/** @param {{ deadline: { dueBy: string, state: string, daysLeft: number | null }, lang: Language, w: Words }} props */
function DueBadge({ deadline, lang, w }) {
  const state = /** @type {'overdue' | 'met' | 'pending' | 'waived'} */ (deadline.state);
  const what = w[state] ?? state;
  const text = `${dayOf(deadline.dueBy, lang)} · ${deadline.daysLeft === null ? what : `${what}, ${w.days(deadline.daysLeft)}`}`;
  return html`<span class=${`due due-${state}`}>${text}</span>`;
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
            <select id="new-office" name="officeId" value=${officeId || me.offices[0].id} aria-invalid=${officeError ? 'true' : undefined}>
              ${me.offices.map((o) => html`<option value=${o.id}>${o.name}</option>`)}
            </select>
            ${officeError ? html`<p class="field-error">${officeError}</p>` : null}
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
  useEffect(() => {
    setItems(null);
    call(`/cases?${new URLSearchParams({ subject: text, limit: '50' })}`, { language: lang })
      .then(({ body }) => setItems(body.items))
      .catch((e) => setError(messageOf(e, w)));
  }, [text, lang]);
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
            <td>${w.statuses[/** @type {'active'} */ (c.status)] ?? c.status}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** @param {{ me: Me, lang: Language, officeId: string, w: Words }} props */
function Worklist({ me, lang, officeId, w }) {
  const [opening, setOpening] = useState(false);
  const [search, setSearch] = useState('');
  const [scope, setScope] = useState(/** @type {'mine' | 'office'} */ ('mine'));
  const [overdue, setOverdue] = useState(false);
  const [items, setItems] = useState(/** @type {WorklistItem[] | null} */ (null));
  const [next, setNext] = useState(/** @type {string | null} */ (null));
  const [error, setError] = useState('');
  const query = useMemo(() => {
    const q = new URLSearchParams({ scope, limit: '50' });
    if (officeId) q.set('officeId', officeId);
    if (overdue) q.set('overdue', 'true');
    return q;
  }, [scope, overdue, officeId]);
  useEffect(() => {
    setItems(null);
    setError('');
    call(`/worklist?${query}`, { language: lang })
      .then(({ body }) => {
        setItems(body.items);
        setNext(body.nextCursor);
      })
      .catch((e) => setError(messageOf(e, w)));
  }, [query, lang]);
  const more = () =>
    next &&
    call(`/worklist?${query}&cursor=${encodeURIComponent(next)}`, { language: lang })
      .then(({ body }) => {
        setItems([...(items ?? []), ...body.items]);
        setNext(body.nextCursor);
      })
      .catch((e) => setError(messageOf(e, w)));
  const offices = new Map(me.offices.map((o) => [o.id, o.name]));
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
    <div class="filters" role="group" aria-label=${w.worklist}>
      <div class="tabs">
        <button type="button" aria-pressed=${scope === 'mine'} onClick=${() => setScope('mine')}>${w.mine}</button>
        <button type="button" aria-pressed=${scope === 'office'} onClick=${() => setScope('office')}>${w.officeScope}</button>
      </div>
      <label class="choice"><input type="checkbox" checked=${overdue} onChange=${() => setOverdue(!overdue)} /> ${w.overdueOnly}</label>
    </div>
    ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    ${items === null && !error ? html`<p aria-live="polite">${w.loading}</p>` : null}
    ${items !== null && items.length === 0 ? html`<p>${w.empty}</p>` : null}
    ${
      items !== null && items.length > 0
        ? html`<table class="worklist">
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
                    <td>${offices.get(item.officeId) ?? item.officeId}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : null
    }
    ${next ? html`<button type="button" onClick=${more}>${w.more}</button>` : null}
  </section>`;
}

/** @type {Map<string, Promise<Pathway>>} */
const pathways = new Map();
/** @param {string} name @param {Language} lang */
function pathwayOf(name, lang) {
  const key = `${name}:${lang}`;
  if (!pathways.has(key))
    pathways.set(
      key,
      call(`/pathways/${name}`, { language: lang }).then((a) => a.body),
    );
  return /** @type {Promise<Pathway>} */ (pathways.get(key));
}

/** @param {{ reasons: Reason[] }} props */
const Reasons = ({ reasons }) =>
  html`<ul class="reasons">
    ${reasons.map((r) => html`<li>${r.message}${r.code ? html` <small class="code">${r.code}</small>` : null}</li>`)}
  </ul>`;

/** @param {{ caseId: string, me: Me, lang: Language, w: Words }} props */
function CasePage({ caseId, me, lang, w }) {
  const [view, setView] = useState(
    /** @type {{ kase: CaseView, transitions: Transitions, history: HistoryEvent[], pathway: Pathway } | null} */ (null),
  );
  const [error, setError] = useState('');
  const [form, setForm] = useState(/** @type {{ event: EventDescription, key: string } | null} */ (null));
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState(/** @type {FieldError[]} */ ([]));
  const [refusal, setRefusal] = useState(/** @type {{ message: string, reasons: Reason[], stale: boolean } | null} */ (null));
  const [notice, setNotice] = useState('');

  const load = useCallback(async () => {
    try {
      const [kase, transitions, history] = await Promise.all([
        call(`/cases/${caseId}`, { language: lang }),
        call(`/cases/${caseId}/transitions`, { language: lang }),
        call(`/cases/${caseId}/history`, { language: lang }),
      ]);
      const pathway = await pathwayOf(kase.body.pathway, lang);
      setView({ kase: kase.body, transitions: transitions.body, history: history.body.events, pathway });
      setError('');
    } catch (e) {
      setError(messageOf(e, w));
    }
  }, [caseId, lang]);
  useEffect(() => {
    void load();
  }, [load]);

  if (error)
    return html`<p role="alert" class="error">${error}</p>
      <p><a href="#/">${w.back}</a></p>`;
  if (!view) return html`<p aria-live="polite">${w.loading}</p>`;
  const { kase, transitions, history, pathway } = view;
  const events = new Map(pathway.events.map((e) => [e.type, e]));
  const services = pathway.services;

  /** @param {string} type */
  const open = (type) => {
    const event = events.get(type);
    if (!event) return;
    setForm({ event, key: newKey() });
    setFieldErrors([]);
    setRefusal(null);
    setNotice('');
  };
  /** @param {Record<string, unknown>} payload */
  const submit = async (payload) => {
    if (!form) return;
    setBusy(true);
    try {
      await call(`/cases/${caseId}/events`, {
        method: 'POST',
        body: payload,
        language: lang,
        headers: { 'idempotency-key': form.key, 'if-match': `"${kase.version}"` },
      });
      setForm(null);
      setNotice(w.recorded);
      await load();
    } catch (e) {
      // Answered: the next attempt is a new request (a new key), not a repeat of this one.
      setForm({ event: form.event, key: newKey() });
      if (e instanceof ApiProblem && e.status === 400 && e.problem.errors) {
        setFieldErrors(e.problem.errors);
        setRefusal({ message: w.fixFields, reasons: [], stale: false });
      } else if (e instanceof ApiProblem && e.status === 412) {
        setRefusal({ message: w.stale, reasons: [], stale: true });
      } else if (e instanceof ApiProblem) {
        setRefusal({ message: `${w.refused} ${e.message}`, reasons: e.problem.reasons ?? [], stale: false });
      } else setRefusal({ message: messageOf(e, w), reasons: [], stale: false });
    } finally {
      setBusy(false);
    }
  };
  const reload = async () => {
    setRefusal(null);
    setForm(null);
    await load();
  };

  return html`<article aria-labelledby="case-title">
    <p><a href="#/">${w.back}</a></p>
    <h1 id="case-title">
      ${kase.subject} <small>${kase.pathway === 'person' ? w.person : w.employer}${kase.practice ? ` · ${w.practice}` : ''}</small>
    </h1>
    <dl class="facts">
      <dt>${w.status}</dt>
      <dd>${w.statuses[/** @type {'active'} */ (kase.status)] ?? kase.status}</dd>
      <dt>${w.assignee}</dt>
      <dd>${kase.assignee === null ? w.nobody : kase.assignee === me.operator.id ? `${me.operator.name} (${w.you})` : kase.assignee}</dd>
    </dl>
    ${notice ? html`<p role="status" class="notice">${notice}</p>` : null}
    <div class="columns">
      <section aria-labelledby="services-title">
        <h2 id="services-title">${w.services}</h2>
        <table class="services">
          <tbody>
            ${services.map(
              (s) =>
                html`<tr>
                  <th scope="row">${s.code} ${s.name[lang]}</th>
                  <td>${w.statuses[/** @type {'active'} */ (kase.services[s.key])] ?? kase.services[s.key] ?? w.none}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${
          kase.deadlines && kase.deadlines.length > 0
            ? html`<h2>${w.deadlines}</h2>
                <ul class="deadlines">
                  ${kase.deadlines.map((d) => html`<li>${d.text[lang]}: <${DueBadge} deadline=${d} lang=${lang} w=${w} /></li>`)}
                </ul>`
            : null
        }
      </section>
      <section aria-labelledby="actions-title">
        <h2 id="actions-title">${w.canDo}</h2>
        ${
          refusal
            ? html`<div role="alert" class="error">
                <p>${refusal.message}</p>
                ${refusal.reasons.length ? html`<${Reasons} reasons=${refusal.reasons} />` : null}
                ${refusal.stale ? html`<button type="button" onClick=${reload}>${w.reload}</button>` : null}
              </div>`
            : null
        }
        ${
          form
            ? html`<${EventForm}
                event=${form.event}
                lang=${lang}
                words=${w}
                errors=${fieldErrors}
                busy=${busy}
                onSubmit=${submit}
                onCancel=${() => setForm(null)}
              />`
            : transitions.allowed.length === 0
              ? html`<p>${w.nothingToDo}</p>`
              : html`<ul class="acts">
                  ${transitions.allowed.map(
                    (a) =>
                      html`<li>
                        <button type="button" onClick=${() => open(a.event)}>${a.summary}</button>
                        ${a.service ? html`<small class="code">${a.service.replace(/^([AB])(\d)$/, '$1.$2')}</small>` : null}
                      </li>`,
                  )}
                </ul>`
        }
        <details class="blocked">
          <summary>${w.blocked} (${transitions.blocked.filter((b) => b.kind === 'guards_failed').length})</summary>
          <ul>
            ${transitions.blocked
              .filter((b) => b.kind === 'guards_failed')
              .map(
                (b) => html`<li><strong>${events.get(b.event)?.summary[lang] ?? b.event}</strong><${Reasons} reasons=${b.reasons} /></li>`,
              )}
          </ul>
        </details>
      </section>
    </div>
    <section aria-labelledby="history-title">
      <h2 id="history-title">${w.history}</h2>
      <ol class="timeline">
        ${[...history].reverse().map(
          (e) =>
            html`<li key=${e.sequence}>
              <time datetime=${e.occurredAt}>${actTime(e.occurredAt, lang)}</time>
              <span class="what">${events.get(e.type)?.summary[lang] ?? e.type}</span>
              <span class="who">${e.actor.username ?? e.actor.id ?? ''}</span>
            </li>`,
        )}
      </ol>
    </section>
  </article>`;
}

function App() {
  const [lang, setLang] = useState(initialLanguage);
  const [me, setMe] = useState(/** @type {Me | null} */ (null));
  const [error, setError] = useState('');
  const [officeId, setOfficeId] = useState('');
  const [route, setRoute] = useState(routeOf);
  const w = WORDS[lang];
  useEffect(() => {
    const onHash = () => setRoute(routeOf());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = w.title;
    localStorage.setItem(LANG_KEY, lang);
  }, [lang]);
  useEffect(() => {
    call('/me', { language: lang })
      .then(({ body }) => setMe(body))
      .catch((e) => setError(messageOf(e, w)));
  }, []);
  const signOut = async () => {
    await call('/auth/logout', { method: 'POST' }).catch(() => undefined);
    location.assign('/auth/login?next=%2F');
  };
  if (error) return html`<main id="main"><p role="alert" class="error">${error}</p></main>`;
  if (!me) return html`<main id="main"><p aria-live="polite">${w.loading}</p></main>`;
  return html` <a class="skip" href="#main">${w.skip}</a>
    <header class="bar">
      <strong class="brand">Percorsi</strong>
      <span class="who"
        >${w.signedInAs}: <span data-testid="operator-name">${me.operator.name}</span>${me.agency ? ` · ${me.agency.name}` : ''}</span
      >
      <label
        >${w.office}
        <select
          value=${officeId}
          onChange=${(/** @type {Event} */ e) => setOfficeId(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}
        >
          <option value="">${w.allOffices}</option>
          ${me.offices.map((o) => html`<option value=${o.id}>${o.name}</option>`)}
        </select>
      </label>
      <label
        >${w.language}
        <select
          value=${lang}
          onChange=${(/** @type {Event} */ e) => setLang(/** @type {Language} */ (/** @type {HTMLSelectElement} */ (e.currentTarget).value))}
        >
          <option value="it">Italiano</option>
          <option value="en">English</option>
        </select>
      </label>
      <button type="button" onClick=${signOut}>${w.signOut}</button>
    </header>
    <main id="main" tabindex="-1">
      ${
        route.page === 'case'
          ? html`<${CasePage} key=${route.caseId} caseId=${route.caseId} me=${me} lang=${lang} w=${w} />`
          : html`<${Worklist} me=${me} lang=${lang} officeId=${officeId} w=${w} />`
      }
    </main>`;
}

render(html`<${App} />`, /** @type {HTMLElement} */ (document.getElementById('app')));
