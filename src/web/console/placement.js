// @ts-check
/**
 * Assignment and transfer, for supervisors (POST /cases/:id/assignment and /transfer): who is in
 * charge of the case, among the operators of its office (GET /offices/:id/assignees), and which of
 * the supervisor's offices holds it. Each form sends If-Match (a stale page changes nothing) and
 * its own Idempotency-Key (a double submit records once); a refusal shows beside the form.
 */
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { call } from '../common/api.js';
import { errorText, invalidProps } from '../common/event-form.js';
import { RefusalBox, useSubmission } from './ui.js';

/**
 * @typedef {import('./words.js').Language} Language
 * @typedef {import('./words.js').Words} Words
 * @typedef {import('./ui.js').Me} Me
 * @typedef {import('./ui.js').CaseView} CaseView
 * @typedef {{ id: string, username: string, name: string, roles: string[] }} Assignee
 */

/** Whether the operator may assign and transfer cases. @param {Me} me */
export const isSupervisor = (me) => me.roles.includes('supervisor');

/**
 * The operators a case of the office may be assigned to, for a supervisor (none otherwise).
 * @param {string | null} officeId @param {Me} me @param {Language} lang
 */
export function useAssignees(officeId, me, lang) {
  const [assignees, setAssignees] = useState(/** @type {Assignee[]} */ ([]));
  useEffect(() => {
    if (!officeId || !isSupervisor(me)) return undefined;
    let live = true;
    call(`/offices/${officeId}/assignees`, { language: lang })
      .then(({ body }) => live && setAssignees(body.items))
      .catch(() => live && setAssignees([]));
    return () => {
      live = false;
    };
  }, [officeId, lang]);
  return assignees;
}

/**
 * @param {{ kase: CaseView, me: Me, lang: Language, w: Words, assignees: Assignee[], onDone: (notice: string) => Promise<void> }} props
 */
export function Placement({ kase, me, lang, w, assignees, onDone }) {
  const [form, setForm] = useState(/** @type {'assign' | 'transfer' | null} */ (null));
  const sending = useSubmission(w);
  if (!isSupervisor(me) || kase.officeId === null || kase.status !== 'active') return null;
  const targets = me.offices.filter((o) => o.id !== kase.officeId);

  /** @param {'assign' | 'transfer'} kind */
  const open = (kind) => {
    setForm(kind);
    sending.reset();
  };
  /** @param {SubmitEvent} e */
  const submit = (e) => {
    e.preventDefault();
    if (!form) return;
    const data = new FormData(/** @type {HTMLFormElement} */ (e.currentTarget));
    const body =
      form === 'assign'
        ? { assigneeId: String(data.get('assigneeId') ?? '') || null }
        : { officeId: String(data.get('officeId') ?? ''), reason: String(data.get('reason') ?? '').trim() };
    void sending.send(
      (key) =>
        call(`/cases/${kase.id}/${form === 'assign' ? 'assignment' : 'transfer'}`, {
          method: 'POST',
          body,
          language: lang,
          headers: { 'idempotency-key': key, 'if-match': `"${kase.version}"` },
        }),
      async () => {
        setForm(null);
        await onDone(form === 'assign' ? w.assigned : w.transferred);
      },
    );
  };
  const assigneeError = sending.errorOf('assigneeId');
  const officeError = sending.errorOf('officeId');
  const reasonError = sending.errorOf('reason');

  return html`<section aria-labelledby="placement-title" class="placement">
    <h2 id="placement-title">${w.placement}</h2>
    <${RefusalBox}
      refusal=${sending.refusal}
      w=${w}
      onReload=${() => {
        sending.reset();
        setForm(null);
        void onDone('');
      }}
    />
    ${
      form === 'assign'
        ? html`<form class="event-form" aria-label=${w.assign} onSubmit=${submit} novalidate>
            <h3>${w.assign}</h3>
            <div class="field">
              <label for="assignee">${w.assignTo}</label>
              <select id="assignee" name="assigneeId" value=${kase.assignee ?? ''} ...${invalidProps('assignee', assigneeError)}>
                <option value="">${w.nobody}</option>
                ${assignees.map((a) => html`<option value=${a.id}>${a.name} (${a.username})</option>`)}
              </select>
              ${errorText('assignee', assigneeError)}
            </div>
            <div class="actions">
              <button type="submit" class="primary" disabled=${sending.busy}>${w.assign}</button>
              <button type="button" onClick=${() => setForm(null)}>${w.cancel}</button>
            </div>
          </form>`
        : form === 'transfer'
          ? html`<form class="event-form" aria-label=${w.transfer} onSubmit=${submit} novalidate>
              <h3>${w.transfer}</h3>
              <div class="field">
                <label for="transfer-office">${w.toOffice}</label>
                <select id="transfer-office" name="officeId" ...${invalidProps('transfer-office', officeError)}>
                  ${targets.map((o) => html`<option value=${o.id}>${o.name}</option>`)}
                </select>
                ${errorText('transfer-office', officeError)}
              </div>
              <div class="field">
                <label for="transfer-reason">${w.reason} *</label>
                <input
                  id="transfer-reason"
                  name="reason"
                  type="text"
                  maxlength="500"
                  required
                  ...${invalidProps('transfer-reason', reasonError)}
                />
                ${errorText('transfer-reason', reasonError)}
              </div>
              <div class="actions">
                <button type="submit" class="primary" disabled=${sending.busy}>${w.transfer}</button>
                <button type="button" onClick=${() => setForm(null)}>${w.cancel}</button>
              </div>
            </form>`
          : html`<div class="actions">
              <button type="button" onClick=${() => open('assign')}>${w.assign}</button>
              ${targets.length > 0 ? html`<button type="button" onClick=${() => open('transfer')}>${w.transfer}</button>` : null}
            </div>`
    }
  </section>`;
}
