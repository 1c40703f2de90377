// @ts-check
/**
 * Why a step is not allowed, as both pages show it: the service's reasons (GET
 * /cases/:id/transitions `blocked[].reasons`, or a refusal's problem `reasons`), each in the
 * request's language with its stable code in small print; and the list of blocked events with
 * their reasons. Preact with htm.
 */
import { html } from 'htm/preact';

/**
 * @typedef {import('./api.js').Reason} Reason
 * @typedef {{ event: string, service: string | null, kind: string, reasons: Reason[] }} Blocked
 */

/**
 * A list of reasons; each item carries its code (`data-code`) for tests and tools.
 * @param {{ reasons: Reason[], id?: string }} props
 */
export function Reasons({ reasons, id }) {
  return html`<ul class="reasons" id=${id}>
    ${reasons.map(
      (r, i) =>
        html`<li key=${`${r.code ?? ''}:${i}`} data-code=${r.code}>
          ${r.message}${r.code ? html` <small class="code">${r.code}</small>` : null}
        </li>`,
    )}
  </ul>`;
}

/**
 * The blocked events, each with its name and its reasons. With `onSelect` each name is a button
 * (class `event-blocked`, `aria-pressed` for the `selected` one, described by its reasons), for a
 * page where choosing a blocked event shows more (the inspector's sandbox); without it, the names
 * are plain text (the console). `nameOf` gives an event's name as the page shows it.
 * @param {{ blocked: Blocked[], nameOf: (b: Blocked) => string, empty: string, onSelect?: (event: string) => void,
 *   selected?: string | null, disabled?: boolean, id?: string }} props
 */
export function BlockedEvents({ blocked, nameOf, empty, onSelect, selected = null, disabled = false, id }) {
  if (blocked.length === 0)
    return html`<ul class="events blocked" id=${id}>
      <li class="empty">${empty}</li>
    </ul>`;
  return html`<ul class="events blocked" id=${id}>
    ${blocked.map(
      (b) =>
        html`<li key=${b.event} data-event=${b.event}>
          ${
            onSelect
              ? html`<button
                  type="button"
                  class="event-blocked"
                  data-event=${b.event}
                  aria-pressed=${String(selected === b.event)}
                  aria-describedby=${`why-${b.event}`}
                  disabled=${disabled}
                  onClick=${() => onSelect(b.event)}
                >
                  ${nameOf(b)}
                </button>`
              : html`<strong>${nameOf(b)}</strong>`
          }
          <${Reasons} id=${`why-${b.event}`} reasons=${b.reasons} />
        </li>`,
    )}
  </ul>`;
}
