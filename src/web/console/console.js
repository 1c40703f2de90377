// @ts-check
/**
 * The console for case managers and supervisors (GET /): the worklist (worklist.js), a case's page
 * with what can be done now as forms, the blocked steps with their reasons, the matching acts
 * (matching.js), and assignment and transfer for supervisors (placement.js). Everything goes
 * through the public API with the session cookie. Preact with htm: no build step; the page's
 * import map names the modules.
 */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { call, newKey } from '../common/api.js';
import { EventForm } from '../common/event-form.js';
import { COMMON_WORDS, serviceCode, statusWord, useLanguage } from '../common/i18n.js';
import { BlockedEvents } from '../common/reasons.js';
import { MatchForm, Matches, isMatchingEvent } from './matching.js';
import { Placement, useAssignees } from './placement.js';
import { DueBadge, RefusalBox, actTime, messageOf, pathwayOf, refusalOf } from './ui.js';
import { Worklist } from './worklist.js';
import { WORDS } from './words.js';

/**
 * @typedef {import('./words.js').Language} Language
 * @typedef {import('./words.js').Words} Words
 * @typedef {import('../common/event-form.js').EventDescription} EventDescription
 * @typedef {import('../common/api.js').Reason} Reason
 * @typedef {import('../common/api.js').FieldError} FieldError
 * @typedef {import('./ui.js').Me} Me
 * @typedef {import('./ui.js').CaseView} CaseView
 * @typedef {import('./ui.js').Pathway} Pathway
 * @typedef {import('./ui.js').Refusal} Refusal
 * @typedef {{ event: string, service: string | null, summary: string }} Allowed
 * @typedef {{ event: string, service: string | null, kind: string, reasons: Reason[] }} Blocked
 * @typedef {{ allowed: Allowed[], blocked: Blocked[] }} Transitions
 * @typedef {{ sequence: number, type: string, payload: Record<string, unknown>, actor: { username?: string, id?: string, kind?: string },
 *   occurredAt: string, recordedAt: string }} HistoryEvent
 */

/** The route in the hash: '#/cases/<id>' or the worklist. */
function routeOf() {
  const match = /^#\/cases\/([0-9a-fA-F-]{36})$/.exec(location.hash);
  return match ? { page: 'case', caseId: match[1] } : { page: 'worklist', caseId: '' };
}

/** @param {{ caseId: string, me: Me, lang: Language, w: Words }} props */
function CasePage({ caseId, me, lang, w }) {
  const [view, setView] = useState(
    /** @type {{ kase: CaseView, transitions: Transitions, history: HistoryEvent[], pathway: Pathway } | null} */ (null),
  );
  const [error, setError] = useState('');
  const [form, setForm] = useState(/** @type {{ event: EventDescription, key: string } | null} */ (null));
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState(/** @type {FieldError[]} */ ([]));
  const [refusal, setRefusal] = useState(/** @type {Refusal | null} */ (null));
  const [notice, setNotice] = useState('');
  const assignees = useAssignees(view?.kase.officeId ?? null, me, lang);

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
  const offices = new Map(me.offices.map((o) => [o.id, o.name]));
  const assignee = assignees.find((a) => a.id === kase.assignee);

  /** @param {string} type */
  const open = (type) => {
    const event = events.get(type);
    if (!event) return;
    setForm({ event, key: newKey() });
    setFieldErrors([]);
    setRefusal(null);
    setNotice('');
  };
  /** After an act recorded elsewhere on the page (a placement, a matching act): its notice, the case read again. @param {string} text */
  const done = async (text) => {
    setForm(null);
    setRefusal(null);
    await load();
    // Once the page shows the case as it now is.
    setNotice(text);
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
      await done(w.recorded);
    } catch (e) {
      // Answered: the next attempt is a new request (a new key), not a repeat of this one.
      setForm({ event: form.event, key: newKey() });
      const shown = refusalOf(e, w);
      setFieldErrors(shown.fieldErrors);
      setRefusal(shown.refusal);
    } finally {
      setBusy(false);
    }
  };
  const reload = async () => {
    setRefusal(null);
    setForm(null);
    await load();
  };
  const assigneeText =
    kase.assignee === null
      ? w.nobody
      : kase.assignee === me.operator.id
        ? `${me.operator.name} (${w.you})`
        : (assignee?.name ?? kase.assignee);

  return html`<article aria-labelledby="case-title">
    <p><a href="#/">${w.back}</a></p>
    <h1 id="case-title">
      ${kase.subject} <small>${kase.pathway === 'person' ? w.person : w.employer}${kase.practice ? ` · ${w.practice}` : ''}</small>
    </h1>
    <dl class="facts">
      <dt>${w.status}</dt>
      <dd>${statusWord(kase.status, lang)}</dd>
      <dt>${w.office}</dt>
      <dd data-testid="case-office">${kase.officeId === null ? w.none : (offices.get(kase.officeId) ?? kase.officeId)}</dd>
      <dt>${w.assignee}</dt>
      <dd data-testid="case-assignee">${assigneeText}</dd>
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
                  <td>${kase.services[s.key] ? statusWord(kase.services[s.key], lang) : w.none}</td>
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
        <${RefusalBox} refusal=${refusal} w=${w} onReload=${reload} />
        ${
          form && isMatchingEvent(form.event)
            ? html`<${MatchForm} kase=${kase} event=${form.event} lang=${lang} w=${w} onDone=${done} onCancel=${() => setForm(null)} />`
            : form
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
                          ${a.service ? html`<small class="code">${serviceCode(a.service)}</small>` : null}
                        </li>`,
                    )}
                  </ul>`
        }
        <details class="blocked">
          <summary>${w.blocked} (${transitions.blocked.filter((b) => b.kind === 'guards_failed').length})</summary>
          <${BlockedEvents}
            blocked=${transitions.blocked.filter((b) => b.kind === 'guards_failed')}
            nameOf=${(/** @type {Blocked} */ b) => events.get(b.event)?.summary[lang] ?? b.event}
            empty=${w.none}
          />
        </details>
        <${Placement} kase=${kase} me=${me} lang=${lang} w=${w} assignees=${assignees} onDone=${done} />
      </section>
    </div>
    <${Matches} kase=${kase} version=${kase.version} lang=${lang} w=${w} onDone=${done} />
    <section aria-labelledby="history-title">
      <h2 id="history-title">${w.history}</h2>
      <ol class="timeline">
        ${[...history].reverse().map(
          (e) =>
            html`<li key=${e.sequence}>
              <time datetime=${e.occurredAt}>${actTime(e.occurredAt, lang)}</time>
              <span class="what"
                >${events.get(e.type)?.summary[lang] ?? w.recordKeeping[/** @type {'CASE_ASSIGNED'} */ (e.type)] ?? e.type}</span
              >
              <span class="who">${e.actor.username ?? e.actor.id ?? ''}</span>
            </li>`,
        )}
      </ol>
    </section>
  </article>`;
}

function App() {
  const [lang, setLang] = useLanguage((l) => WORDS[l].title);
  const [me, setMe] = useState(/** @type {Me | null} */ (null));
  const [error, setError] = useState('');
  const [officeId, setOfficeId] = useState('');
  const [route, setRoute] = useState(routeOf);
  /** @type {Words} */
  const w = { ...COMMON_WORDS[lang], ...WORDS[lang] };
  useEffect(() => {
    const onHash = () => setRoute(routeOf());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
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
