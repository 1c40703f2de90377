// @ts-check
/**
 * The matching act (A.6 / B.4, POST /matches): from a person's case, the employer's case (found by
 * its partita IVA or tax code, or among the employer cases that record vacancies) and one of its
 * open vacancies (the employer case's context), recorded on both cases at once; its outcome
 * (POST /matches/:id/outcome); and a case's matches (GET /matches). A refusal shows each side's reasons.
 */
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { call } from '../common/api.js';
import { ActDate, Field, errorText, invalidProps } from '../common/event-form.js';
import { RefusalBox, messageOf, pathwayOf, useSubmission } from './ui.js';

/**
 * @typedef {import('./words.js').Language} Language
 * @typedef {import('./words.js').Words} Words
 * @typedef {import('./ui.js').CaseView} CaseView
 * @typedef {import('../common/event-form.js').EventDescription} EventDescription
 * @typedef {{ vacancyId: string, profile: string, positions: number }} Vacancy
 * @typedef {{ id: string, personCaseId: string, employerCaseId: string, vacancyId: string, outcome: string | null, createdAt: string }} Match
 */

/** Whether an event is the person's side of a matching act: it names the employer's case. @param {EventDescription} event */
export const isMatchingEvent = (event) => event.fields.some((f) => f.name === 'employerCaseId');

/** An employer case's vacancies still open: recorded (B.2), with fewer hires than positions. @param {CaseView} kase @returns {Vacancy[]} */
export function openVacancies(kase) {
  const context = kase.context ?? {};
  /** @type {{ vacancyId: string }[]} */
  const hires = context.hires ?? [];
  /** @type {Vacancy[]} */
  const vacancies = context.vacancies ?? [];
  return vacancies.filter((v) => hires.filter((h) => h.vacancyId === v.vacancyId).length < Math.max(1, v.positions));
}

/**
 * Sending the person to a selection interview for an employer's vacancy.
 * @param {{ kase: CaseView, event: EventDescription, lang: Language, w: Words, onDone: (notice: string) => Promise<void>, onCancel: () => void }} props
 */
export function MatchForm({ kase, event, lang, w, onDone, onCancel }) {
  const sending = useSubmission(w);
  const [found, setFound] = useState(/** @type {CaseView[] | null} */ (null));
  const [findError, setFindError] = useState('');
  const [employer, setEmployer] = useState(/** @type {CaseView | null} */ (null));

  /** @param {string[]} queries */
  const find = async (queries) => {
    setFound(null);
    setFindError('');
    setEmployer(null);
    try {
      const pages = await Promise.all(queries.map((q) => call(`/cases?${q}`, { language: lang })));
      /** @type {Map<string, CaseView>} */
      const byId = new Map();
      for (const page of pages) for (const item of page.body.items) byId.set(item.id, item);
      setFound([...byId.values()]);
    } catch (e) {
      setFindError(messageOf(e, w));
    }
  };
  /** @param {SubmitEvent} e */
  const search = (e) => {
    e.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (e.currentTarget));
    const subject = String(data.get('employer-subject') ?? '').replace(/\s+/g, '');
    if (subject) void find([new URLSearchParams({ pathway: 'employer', status: 'active', subject }).toString()]);
  };
  // Vacancies are recorded once B.2 has started: the employer cases where it is in progress or done.
  const withVacancies = () =>
    find(
      ['active', 'completed'].map((serviceStatus) =>
        new URLSearchParams({ pathway: 'employer', status: 'active', service: 'B2', serviceStatus, limit: '50' }).toString(),
      ),
    );
  /** @param {string} id */
  const choose = async (id) => {
    setEmployer(null);
    try {
      setEmployer((await call(`/cases/${id}`, { language: lang })).body);
    } catch (e) {
      setFindError(messageOf(e, w));
    }
  };
  /** @param {SubmitEvent} e */
  const submit = (e) => {
    e.preventDefault();
    if (!employer) return;
    const data = new FormData(/** @type {HTMLFormElement} */ (e.currentTarget));
    const body = {
      personCaseId: kase.id,
      employerCaseId: employer.id,
      vacancyId: String(data.get('vacancyId') ?? ''),
      at: String(data.get('at')),
    };
    void sending.send(
      (key) => call('/matches', { method: 'POST', language: lang, headers: { 'idempotency-key': key }, body }),
      () => onDone(w.matchRecorded),
    );
  };
  const vacancies = employer ? openVacancies(employer) : [];
  const vacancyError = sending.errorOf('vacancyId');

  return html`<section class="event-form matching" aria-labelledby="match-title">
    <h3 id="match-title">${event.summary[lang]} <small class="code">${event.type}</small></h3>
    <form role="search" class="search" aria-label=${w.findEmployer} onSubmit=${search}>
      <label for="employer-subject">${w.employerSubject}</label>
      <input id="employer-subject" name="employer-subject" type="search" autocomplete="off" />
      <button type="submit">${w.find}</button>
      <button type="button" onClick=${withVacancies}>${w.employersWithVacancies}</button>
    </form>
    ${findError ? html`<p role="alert" class="error">${findError}</p>` : null}
    ${found !== null && found.length === 0 ? html`<p>${w.noEmployer}</p>` : null}
    <${RefusalBox} refusal=${sending.refusal} w=${w} />
    <form aria-label=${w.matchForm} onSubmit=${submit} novalidate>
      ${
        found !== null && found.length > 0
          ? html`<fieldset class="field">
              <legend>${w.employerCase} *</legend>
              ${found.map(
                (c) =>
                  html`<label class="choice" key=${c.id}
                    ><input
                      type="radio"
                      name="employerCaseId"
                      value=${c.id}
                      checked=${employer?.id === c.id}
                      onChange=${() => choose(c.id)}
                    />
                    ${c.subject}</label
                  >`,
              )}
            </fieldset>`
          : null
      }
      ${
        employer
          ? html`<div class="field">
              <label for="match-vacancy">${w.vacancy} *</label>
              ${
                vacancies.length === 0
                  ? html`<p id="match-vacancy">${w.noVacancy}</p>`
                  : html`<select id="match-vacancy" name="vacancyId" ...${invalidProps('match-vacancy', vacancyError)}>
                      ${vacancies.map((v) => html`<option value=${v.vacancyId}>${v.vacancyId}: ${v.profile} (${v.positions})</option>`)}
                    </select>`
              }
              ${errorText('match-vacancy', vacancyError)}
            </div>`
          : null
      }
      <${ActDate} id="match-at" label=${w.date} error=${sending.errorOf('at')} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${sending.busy || !employer || vacancies.length === 0}>${w.submit}</button>
        <button type="button" onClick=${onCancel}>${w.cancel}</button>
      </div>
    </form>
  </section>`;
}

/**
 * A match's outcome: hired (the contract, on both cases) or not selected (the employer's feedback).
 * @param {{ match: Match, lang: Language, w: Words, onDone: (notice: string) => Promise<void>, onCancel: () => void }} props
 */
function OutcomeForm({ match, lang, w, onDone, onCancel }) {
  const sending = useSubmission(w);
  const [outcome, setOutcome] = useState('hired');
  const [hired, setHired] = useState(/** @type {EventDescription | null} */ (null));
  useEffect(() => {
    pathwayOf('person', lang)
      .then((p) => setHired(p.events.find((e) => e.type === 'HIRED') ?? null))
      .catch(() => setHired(null));
  }, [lang]);
  /** @param {SubmitEvent} e */
  const submit = (e) => {
    e.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (e.currentTarget));
    const text = (/** @type {string} */ name) => String(data.get(name) ?? '').trim();
    const body =
      outcome === 'hired'
        ? { outcome, contractType: text('f.contractType'), contractStartDate: text('f.contractStartDate'), at: text('at') }
        : { outcome, ...(text('f.feedback') ? { feedback: text('f.feedback') } : {}), at: text('at') };
    void sending.send(
      (key) => call(`/matches/${match.id}/outcome`, { method: 'POST', language: lang, headers: { 'idempotency-key': key }, body }),
      () => onDone(w.outcomeRecorded),
    );
  };
  const fields = (hired?.fields ?? []).filter((f) => f.name === 'contractType' || f.name === 'contractStartDate');
  return html`<form class="event-form" aria-label=${w.outcome} onSubmit=${submit} novalidate>
    <h3>${w.outcome}: ${match.vacancyId}</h3>
    <${RefusalBox} refusal=${sending.refusal} w=${w} />
    <div class="field">
      <label for="outcome-kind">${w.outcome} *</label>
      <select
        id="outcome-kind"
        name="outcome"
        value=${outcome}
        onChange=${(/** @type {Event} */ e) => setOutcome(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}
      >
        <option value="hired">${w.hired}</option>
        <option value="not_selected">${w.notSelected}</option>
      </select>
    </div>
    ${
      outcome === 'hired'
        ? fields.map((f) => html`<${Field} key=${f.name} field=${f} lang=${lang} error=${sending.errorOf(f.name)} />`)
        : html`<${Field}
            field=${{ name: 'feedback', type: { kind: 'string', maxLength: 2000 }, required: false, description: { it: w.feedback, en: w.feedback } }}
            lang=${lang}
            error=${sending.errorOf('feedback')}
          />`
    }
    <${ActDate} id="outcome-at" label=${w.date} error=${sending.errorOf('at')} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${sending.busy}>${w.submit}</button>
      <button type="button" onClick=${onCancel}>${w.cancel}</button>
    </div>
  </form>`;
}

/**
 * A case's matching acts: the vacancy, the other case, the outcome (or the form to record it).
 * @param {{ kase: CaseView, version: number, lang: Language, w: Words, onDone: (notice: string) => Promise<void> }} props
 */
export function Matches({ kase, version, lang, w, onDone }) {
  const [matches, setMatches] = useState(/** @type {Match[]} */ ([]));
  const [open, setOpen] = useState('');
  const side = kase.pathway === 'person' ? 'personCaseId' : 'employerCaseId';
  useEffect(() => {
    let live = true;
    call(`/matches?${side}=${kase.id}`, { language: lang })
      .then(({ body }) => live && setMatches(body.items))
      .catch(() => live && setMatches([]));
    return () => {
      live = false;
    };
  }, [kase.id, version, lang]);
  if (matches.length === 0) return null;
  return html`<section aria-labelledby="matches-title">
    <h2 id="matches-title">${w.matches}</h2>
    <ul class="matches">
      ${matches.map((m) => {
        const other = kase.pathway === 'person' ? m.employerCaseId : m.personCaseId;
        return html`<li key=${m.id}>
          <span>${w.vacancy} <strong>${m.vacancyId}</strong></span>
          <a href=${`#/cases/${other}`}>${kase.pathway === 'person' ? w.theEmployerCase : w.thePersonCase}</a>
          <span class="outcome">${m.outcome === 'hired' ? w.hired : m.outcome === 'not_selected' ? w.notSelected : w.noOutcome}</span>
          ${
            m.outcome === null && open !== m.id
              ? html`<button type="button" onClick=${() => setOpen(m.id)}>${w.recordOutcome}</button>`
              : null
          }
          ${
            open === m.id
              ? html`<${OutcomeForm}
                  match=${m}
                  lang=${lang}
                  w=${w}
                  onDone=${async (/** @type {string} */ notice) => {
                    setOpen('');
                    await onDone(notice);
                  }}
                  onCancel=${() => setOpen('')}
                />`
              : null
          }
        </li>`;
      })}
    </ul>
  </section>`;
}
