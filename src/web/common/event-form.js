// @ts-check
/**
 * The form of one event, generated from its description (GET /pathways/:name `events[].fields`):
 * each field with its label in the chosen language, a date picker for dates, a choice for enums,
 * limits for numbers, and the server's error for it shown next to it. The act's date (`at`) comes
 * first, today by default. Used by the console and by the inspector's sandbox.
 */
import { html } from 'htm/preact';

/**
 * @typedef {'it' | 'en'} Language
 * @typedef {{ it: string, en: string }} Text
 * @typedef {{ kind: string, values?: string[], min?: number, max?: number, maxLength?: number }} FieldType
 * @typedef {{ name: string, type: FieldType, required: boolean, description: Text }} FieldDescription
 * @typedef {{ type: string, service: string | null, summary: Text, fields: FieldDescription[] }} EventDescription
 * @typedef {{ field: string, message: string }} FieldError
 */

/** Today in Europe/Rome, YYYY-MM-DD (the day the standards count in). */
export function romeToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
}

/**
 * The payload of the form's fields (names `f.<field>`), typed as the fields say; empty optional fields left out.
 * @param {HTMLFormElement} form @param {EventDescription} event @returns {Record<string, unknown>}
 */
export function payloadOf(form, event) {
  const data = new FormData(form);
  /** @type {Record<string, unknown>} */
  const payload = { type: event.type, at: String(data.get('at') ?? '') };
  for (const field of event.fields) {
    const key = `f.${field.name}`;
    if (field.type.kind === 'boolean') {
      payload[field.name] = data.get(key) === 'on';
      continue;
    }
    if (field.type.kind === 'enumList') {
      const values = data.getAll(key).map(String);
      if (values.length > 0 || field.required) payload[field.name] = values;
      continue;
    }
    const raw = String(data.get(key) ?? '').trim();
    if (raw === '') continue;
    payload[field.name] = field.type.kind === 'integer' ? Number(raw) : raw;
  }
  return payload;
}

/**
 * The attributes that tie a control to its error message (`<id>-error`), when it has one.
 * @param {string} id @param {string | undefined} error
 */
export const invalidProps = (id, error) => (error ? { 'aria-invalid': 'true', 'aria-describedby': `${id}-error` } : {});

/**
 * A control's error message, next to it, or nothing.
 * @param {string} id @param {string | undefined} error
 */
export const errorText = (id, error) => (error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : null);

/**
 * The act's date (`at`), today in Rome by default: the first field of every form that records an act.
 * @param {{ id: string, label: string, error: string | undefined }} props
 */
export function ActDate({ id, label, error }) {
  return html`<div class="field">
    <label for=${id}>${label} *</label>
    <input type="date" id=${id} name="at" value=${romeToday()} required ...${invalidProps(id, error)} />
    ${errorText(id, error)}
  </div>`;
}

/**
 * One field of a form generated from a description (its control named `f.<name>`), with its
 * label and the server's error for it.
 * @param {{ field: FieldDescription, lang: Language, error: string | undefined }} props
 */
export function Field({ field, lang, error }) {
  const id = `field-${field.name}`;
  const errorId = `${id}-error`;
  const label = field.description[lang] || field.name;
  const described = error ? errorId : undefined;
  const common = { id, name: `f.${field.name}`, ...invalidProps(id, error) };
  /** @type {unknown} */
  let control;
  switch (field.type.kind) {
    case 'date':
      control = html`<input type="date" ...${common} required=${field.required} />`;
      break;
    case 'integer':
      control = html`<input
        type="number"
        inputmode="numeric"
        step="1"
        min=${field.type.min}
        max=${field.type.max}
        ...${common}
        required=${field.required}
      />`;
      break;
    case 'boolean':
      control = html`<input type="checkbox" ...${common} />`;
      break;
    case 'enum':
      control = html`<select ...${common} required=${field.required}>
        ${field.required ? null : html`<option value="">—</option>`}
        ${(field.type.values ?? []).map((value) => html`<option value=${value}>${value}</option>`)}
      </select>`;
      break;
    case 'enumList':
      return html`<fieldset class="field" aria-describedby=${described}>
        <legend>${label}${field.required ? ' *' : ''}</legend>
        ${(field.type.values ?? []).map(
          (value) => html`<label class="choice"><input type="checkbox" name=${`f.${field.name}`} value=${value} /> ${value}</label>`,
        )}
        ${errorText(id, error)}
      </fieldset>`;
    default:
      control = html`<input type="text" maxlength=${field.type.maxLength} ...${common} required=${field.required} />`;
  }
  return html`<div class="field">
    <label for=${id}>${label}${field.required ? ' *' : ''}</label>
    ${control} ${errorText(id, error)}
  </div>`;
}

/**
 * The form; `formProps` and `submitProps` add attributes to the form and to its submit button (an
 * id, a class, data- attributes the page's tests read).
 * @param {{ event: EventDescription, lang: Language, words: { date: string, submit: string, cancel: string },
 *   errors: FieldError[], busy: boolean, onSubmit: (payload: Record<string, unknown>) => void, onCancel: () => void,
 *   formProps?: Record<string, string>, submitProps?: Record<string, string> }} props
 */
export function EventForm({ event, lang, words, errors, busy, onSubmit, onCancel, formProps = {}, submitProps = {} }) {
  /** @param {string} name */
  const errorOf = (name) => errors.find((e) => e.field === name || e.field === `payload.${name}`)?.message;
  /** @param {SubmitEvent} e */
  const submit = (e) => {
    e.preventDefault();
    if (busy) return;
    onSubmit(payloadOf(/** @type {HTMLFormElement} */ (e.currentTarget), event));
  };
  return html`<form class="event-form" ...${formProps} onSubmit=${submit} aria-label=${event.summary[lang]} novalidate>
    <h3>${event.summary[lang]} <small class="code">${event.type}</small></h3>
    <${ActDate} id="field-at" label=${words.date} error=${errorOf('at')} />
    ${event.fields.map((field) => html`<${Field} key=${field.name} field=${field} lang=${lang} error=${errorOf(field.name)} />`)}
    <div class="actions">
      <button type="submit" class="primary" ...${submitProps} disabled=${busy}>${words.submit}</button>
      <button type="button" onClick=${onCancel}>${words.cancel}</button>
    </div>
  </form>`;
}
