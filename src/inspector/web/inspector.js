// @ts-check
/**
 * The inspector page: pick a pathway and see its statechart; open a case (by id or from the list)
 * and follow it live; replay its history; practise on a sandbox case. Everything it reads and
 * writes goes through the public API of the service that serves it.
 */
import { ApiProblem, api } from './api.js';
import { COMMON_GUARDS, drawPathway, highlight } from './diagram.js';
import { WORDS } from './i18n.js';

/** @typedef {import('./diagram.js').PathwayDescription} PathwayDescription */
/** @typedef {import('./diagram.js').EventDescription} EventDescription */
/** @typedef {import('./diagram.js').FieldDescription} FieldDescription */
/** @typedef {import('./i18n.js').Language} Language */
/**
 * @typedef {{ id: string, pathway: string, subject: string, status: string, statePaths: string[],
 *   services: Record<string, string>, practice: boolean, version: number, context?: unknown, updatedAt: string,
 *   deadlines?: Deadline[] }} CaseView
 * @typedef {{ id: string, text: Record<Language, string>, dueBy: string, metAt: string | null,
 *   state: 'pending' | 'met' | 'overdue' | 'waived', daysLeft: number | null }} Deadline
 * @typedef {{ event: string, service: string | null }} Allowed
 * @typedef {{ code: string, guard?: string, message: string }} Reason
 * @typedef {{ event: string, service: string | null, kind: string, reasons: Reason[] }} Blocked
 * @typedef {{ allowed: Allowed[], blocked: Blocked[] }} Transitions
 * @typedef {{ sequence: number, type: string, payload: Record<string, unknown>, actor: Record<string, unknown>,
 *   occurredAt: string, recordedAt: string, statePaths: string[], services: Record<string, string>, context: unknown }} ReplayStep
 */

/** @type {{ ELK: new () => import('./diagram.js').ElkEngine }} */
const globals = /** @type {any} */ (globalThis);
const elk = new globals.ELK();

const state = {
  /** @type {Language} */
  lang: 'it',
  /** @type {string} */
  pathway: 'person',
  /** @type {Map<string, PathwayDescription>} */
  pathways: new Map(),
  /** @type {CaseView | null} */
  case: null,
  /** @type {Transitions | null} */
  transitions: null,
  /** @type {ReplayStep[]} */
  steps: [],
  /** The sequence shown while replaying; null when live. @type {number | null} */
  replayAt: null,
  /** @type {EventSource | null} */
  stream: null,
  /** What the event form is for. @type {string | null} */
  formEvent: null,
  zoom: 1,
  drawn: '',
};

/** @param {string} id @returns {HTMLElement} */
const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element;
};
const words = () => WORDS[state.lang];
const svg = () => /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('diagram')));

/**
 * @param {string} tag @param {Record<string, string>} [attributes] @param {(Node | string)[]} [children]
 * @returns {HTMLElement}
 */
function h(tag, attributes = {}, children = []) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  element.append(...children);
  return element;
}

/** Static words of the page ([data-word] elements) in the chosen language. */
function translateStatic() {
  document.documentElement.lang = state.lang;
  document.title = words().title;
  for (const element of document.querySelectorAll('[data-word]')) {
    const key = /** @type {keyof import('./i18n.js').Words} */ (element.getAttribute('data-word'));
    const text = words()[key];
    if (typeof text === 'string') element.textContent = text;
  }
  for (const element of document.querySelectorAll('[data-word-label]')) {
    const key = /** @type {keyof import('./i18n.js').Words} */ (element.getAttribute('data-word-label'));
    const text = words()[key];
    if (typeof text === 'string') element.setAttribute('aria-label', text);
  }
  $('common-guards').textContent = COMMON_GUARDS.join(', ');
}

/** @param {string} name */
async function pathwayDescription(name) {
  let description = state.pathways.get(name);
  if (!description) {
    description = /** @type {PathwayDescription} */ (await api(`/pathways/${encodeURIComponent(name)}`, { language: state.lang }));
    state.pathways.set(name, description);
  }
  return description;
}

/** Draws the chosen pathway (again only when the pathway or the language changed). */
async function drawDiagram() {
  const key = `${state.pathway}:${state.lang}`;
  const diagram = svg();
  if (state.drawn !== key) {
    diagram.dataset.ready = 'false';
    const description = await pathwayDescription(state.pathway);
    await drawPathway(elk, diagram, description, state.lang);
    diagram.dataset.pathway = state.pathway;
    diagram.setAttribute('aria-label', `${words().diagram}: ${description.title[state.lang]}`);
    state.drawn = key;
    for (const group of diagram.querySelectorAll('g.transition[data-event]')) {
      const choose = () => {
        const event = group.getAttribute('data-event');
        if (event && group.classList.contains('allowed') && state.case?.pathway === state.pathway) selectEvent(event);
      };
      group.addEventListener('click', choose);
      group.addEventListener('keydown', (e) => {
        const key = /** @type {KeyboardEvent} */ (e).key;
        if (key === 'Enter' || key === ' ') {
          e.preventDefault();
          choose();
        }
      });
    }
    applyZoom();
    diagram.dataset.ready = 'true';
  }
  showHighlight();
}

/** Highlights the open case's states: live, or as they were at the replayed step. */
function showHighlight() {
  const diagram = svg();
  const c = state.case;
  if (!c || c.pathway !== state.pathway) {
    highlight(diagram, new Set());
    delete diagram.dataset.sequence;
    return;
  }
  const step = state.replayAt === null ? null : state.steps.find((s) => s.sequence === state.replayAt);
  const paths = step ? step.statePaths : c.statePaths;
  highlight(diagram, new Set([c.pathway, ...paths.map((p) => `${c.pathway}.${p}`)]));
  diagram.dataset.sequence = String(step ? step.sequence : c.version);
  diagram.classList.toggle('replaying', Boolean(step));
  const activeEvents = new Set((state.replayAt === null ? (state.transitions?.allowed ?? []) : []).map((a) => a.event));
  for (const group of diagram.querySelectorAll('g.transition[data-event]')) {
    const event = group.getAttribute('data-event') ?? '';
    const source = group.getAttribute('data-source') ?? '';
    const fromActive = source === c.pathway || paths.includes(source.slice(c.pathway.length + 1));
    const allowed = fromActive && activeEvents.has(event);
    group.classList.toggle('allowed', allowed);
    // Allowed transitions are buttons: Tab reaches them, Enter or Space opens their form.
    if (allowed) {
      group.setAttribute('tabindex', '0');
      group.setAttribute('role', 'button');
      group.setAttribute('aria-label', `${event}: ${eventSummary(event)}`);
    } else {
      group.removeAttribute('tabindex');
      group.removeAttribute('role');
      group.removeAttribute('aria-label');
    }
  }
}

function applyZoom() {
  const diagram = svg();
  const width = Number(diagram.dataset.width ?? 800);
  const height = Number(diagram.dataset.height ?? 600);
  diagram.setAttribute('width', String(Math.round(width * state.zoom)));
  diagram.setAttribute('height', String(Math.round(height * state.zoom)));
}

/**
 * Fits the whole diagram in view (the Fit button); at start-up the width only, and never so small
 * that a projector cannot show the words (the diagram scrolls).
 * @param {{ whole?: boolean }} [options]
 */
function zoomToFit(options = {}) {
  const diagram = svg();
  const box = $('diagram-scroll').getBoundingClientRect();
  const width = Number(diagram.dataset.width ?? 800);
  const height = Number(diagram.dataset.height ?? 600);
  const byWidth = (box.width - 8) / width;
  state.zoom = options.whole ? Math.min(1.2, byWidth, (box.height - 8) / height) : Math.max(0.6, Math.min(1.2, byWidth));
  applyZoom();
}

// ---------------------------------------------------------------- the case

/** @param {string} text @param {'connecting' | 'live' | 'offline'} kind */
function setLiveStatus(text, kind) {
  const status = $('live-status');
  status.textContent = text;
  status.dataset.state = kind;
}

function closeStream() {
  state.stream?.close();
  state.stream = null;
}

/** Follows the open case: the service pushes every committed transition (any replica). */
function follow() {
  closeStream();
  if (!state.case) return;
  const id = state.case.id;
  setLiveStatus(words().connecting, 'connecting');
  const stream = new EventSource(`/cases/${encodeURIComponent(id)}/stream`);
  state.stream = stream;
  stream.addEventListener('open', () => setLiveStatus(words().live, 'live'));
  stream.addEventListener('error', () => setLiveStatus(words().offline, 'offline'));
  /** @param {MessageEvent} message */
  const onCase = (message) => {
    if (state.stream !== stream) return;
    setLiveStatus(words().live, 'live');
    const data = JSON.parse(String(message.data));
    const view = /** @type {CaseView} */ (data.case);
    if (!state.case || view.id !== state.case.id) return;
    if (data.event) appendStep(data.event, view);
    if (view.version < state.case.version) return;
    if (view.version === state.case.version && state.transitions) {
      renderReplay();
      return;
    }
    state.case = { ...state.case, ...view };
    void refreshCase().catch((error) => showError(error));
  };
  stream.addEventListener('case', onCase);
  stream.addEventListener('transition', onCase);
}

/**
 * A new event of the open case (from the live feed or the page's own write) as a replay step: the
 * case after it is in the message, so the history grows without replaying it all again.
 * @param {Omit<ReplayStep, 'statePaths' | 'services' | 'context'>} event @param {CaseView} view
 */
function appendStep(event, view) {
  const last = state.steps[state.steps.length - 1];
  // Out of order or after a gap: the next full load (refreshCase) puts the history right.
  if (!last || event.sequence !== last.sequence + 1 || view.version !== event.sequence) return;
  const { sequence, type, payload, actor, occurredAt, recordedAt } = event;
  state.steps.push({
    sequence,
    type,
    payload,
    actor,
    occurredAt,
    recordedAt,
    statePaths: view.statePaths,
    services: view.services,
    context: view.context,
  });
}

/** After the case changed: its panel, what it may do next, and its history if steps are missing. */
async function refreshCase() {
  const c = state.case;
  if (!c) return;
  renderCase();
  const last = state.steps[state.steps.length - 1];
  // One failing (a case on a machine version no longer served cannot be replayed) leaves the other.
  const results = await Promise.allSettled([loadTransitions(), last && last.sequence >= c.version ? Promise.resolve() : loadReplay()]);
  if (state.case !== c && state.case?.id !== c.id) return;
  renderCase();
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) showError(/** @type {PromiseRejectedResult} */ (failed).reason);
}

/** @param {string} id */
async function openCase(id) {
  const trimmed = id.trim();
  if (!trimmed) return;
  try {
    clearNotice();
    const view = /** @type {CaseView} */ (await api(`/cases/${encodeURIComponent(trimmed)}`, { language: state.lang }));
    state.case = view;
    state.transitions = null;
    state.steps = [];
    state.replayAt = null;
    state.formEvent = null;
    clearResult();
    const url = new URL(window.location.href);
    url.searchParams.set('case', view.id);
    window.history.replaceState(null, '', url);
    if (state.pathway !== view.pathway) {
      state.pathway = view.pathway;
      /** @type {HTMLSelectElement} */ ($('pathway')).value = view.pathway;
    }
    await drawDiagram();
    await refreshCase();
    follow();
  } catch (error) {
    showError(error);
  }
}

async function loadTransitions() {
  const c = state.case;
  if (!c) return;
  state.transitions = /** @type {Transitions} */ (await api(`/cases/${c.id}/transitions`, { language: state.lang }));
}

async function loadReplay() {
  const c = state.case;
  if (!c) return;
  const replay = await api(`/cases/${c.id}/replay`, { language: state.lang });
  state.steps = /** @type {ReplayStep[]} */ (replay.steps);
}

/** Today in the browser's time zone, as YYYY-MM-DD (a date input's value). */
const today = () => {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
};

/** @param {string} code */
const serviceCode = (code) => code.replace(/^([AB])(\d)$/, '$1.$2');

function renderCase() {
  const c = state.case;
  const view = $('case-view');
  const empty = $('no-case');
  view.hidden = !c;
  empty.hidden = Boolean(c);
  if (!c) return;
  view.dataset.caseId = c.id;
  view.dataset.version = String(c.version);
  view.dataset.practice = String(c.practice);
  view.dataset.status = c.status;
  $('practice-badge').hidden = !c.practice;
  $('reset-practice').hidden = !c.practice;
  $('case-subject').textContent = c.subject;
  $('case-id-shown').textContent = c.id;
  $('case-version').textContent = String(c.version);
  $('case-status').textContent = c.status;
  renderServices();
  renderDeadlines();
  renderEvents();
  renderReplay();
  showHighlight();
}

/** A person case's legal deadlines as they stand now (GET /cases/:id), whatever the replay shows. */
function renderDeadlines() {
  const deadlines = state.case?.deadlines ?? [];
  const w = words();
  $('deadlines-block').hidden = deadlines.length === 0;
  $('deadlines').replaceChildren(
    ...deadlines.map((d) => {
      const days =
        d.daysLeft === null ? '' : ` · ${(d.daysLeft < 0 ? w.daysLate : w.daysLeft).replace('{n}', String(Math.abs(d.daysLeft)))}`;
      return h('li', { 'data-deadline': d.id, 'data-state': d.state, class: `deadline deadline-${d.state}` }, [
        `${d.text[state.lang]} · ${w.dueBy} ${d.dueBy} · ${w.deadlineWords[d.state]}${days}`,
      ]);
    }),
  );
}

function renderServices() {
  const c = state.case;
  if (!c) return;
  const description = state.pathways.get(c.pathway);
  const step = state.replayAt === null ? null : state.steps.find((s) => s.sequence === state.replayAt);
  const services = step ? step.services : c.services;
  const body = $('services-body');
  body.replaceChildren(
    ...Object.entries(services).map(([key, status]) => {
      const name = description?.services.find((s) => s.key === key)?.name[state.lang] ?? '';
      const word = /** @type {Record<string, string>} */ (words().serviceWords)[status] ?? status;
      return h('tr', { 'data-service': key, 'data-status': status }, [
        h('th', { scope: 'row' }, [`${serviceCode(key)} ${name}`]),
        h('td', { class: `status status-${status}` }, [word]),
      ]);
    }),
  );
}

/** @param {string} type */
function eventSummary(type) {
  const description = state.case ? state.pathways.get(state.case.pathway) : undefined;
  return description?.events.find((e) => e.type === type)?.summary[state.lang] ?? '';
}

function renderEvents() {
  const t = state.transitions;
  const allowedList = $('allowed-events');
  const blockedList = $('blocked-events');
  if (!t) return;
  const label = (/** @type {string | null} */ service, /** @type {string} */ event) =>
    `${service ? `${serviceCode(service)} · ` : ''}${event}`;
  allowedList.replaceChildren(
    ...(t.allowed.length
      ? t.allowed.map((a) =>
          h('li', {}, [
            h(
              'button',
              {
                type: 'button',
                class: 'event-allowed',
                'data-event': a.event,
                title: eventSummary(a.event),
                'aria-pressed': String(state.formEvent === a.event),
              },
              [label(a.service, a.event)],
            ),
          ]),
        )
      : [h('li', { class: 'empty' }, [words().none])]),
  );
  blockedList.replaceChildren(
    ...(t.blocked.length
      ? t.blocked.map((b) =>
          h('li', {}, [
            h(
              'button',
              {
                type: 'button',
                class: 'event-blocked',
                'data-event': b.event,
                'aria-describedby': `why-${b.event}`,
                'aria-pressed': String(state.formEvent === b.event),
              },
              [label(b.service, b.event)],
            ),
            h('span', { class: 'reason', id: `why-${b.event}` }, [b.reasons.map((r) => r.message).join(' · ')]),
          ]),
        )
      : [h('li', { class: 'empty' }, [words().none])]),
  );
  const replaying = state.replayAt !== null;
  for (const button of document.querySelectorAll('#allowed-events button, #blocked-events button')) {
    /** @type {HTMLButtonElement} */ (button).disabled = replaying;
  }
}

/**
 * A failure in words: under the event form for the open case's events, otherwise (opening a case,
 * the list, the sandbox, the start) in the notice under the page's header.
 * @param {unknown} error @param {'event' | 'notice'} [where]
 */
function showError(error, where = 'notice') {
  const result = $(where === 'event' ? 'event-result' : 'notice');
  result.hidden = false;
  result.dataset.outcome = 'error';
  const body = error instanceof ApiProblem ? error.body : null;
  const lines = [
    body?.title ? `${words().error}: ${body.title}` : `${words().error}: ${String(error instanceof Error ? error.message : error)}`,
  ];
  if (body?.detail) lines.push(String(body.detail));
  for (const e of body?.errors ?? []) lines.push(`${e.field}: ${e.message ?? e.problem}`);
  result.replaceChildren(...lines.map((l) => h('p', {}, [l])));
}

function clearNotice() {
  const notice = $('notice');
  notice.hidden = true;
  notice.replaceChildren();
}

function clearResult() {
  const result = $('event-result');
  result.replaceChildren();
  delete result.dataset.outcome;
}

/** An event chosen (in the lists or on the diagram): its reasons if blocked, and its form. @param {string} type */
function selectEvent(type) {
  if (state.replayAt !== null || !state.case) return;
  state.formEvent = type;
  const blocked = state.transitions?.blocked.find((b) => b.event === type);
  clearResult();
  if (blocked) {
    const result = $('event-result');
    result.dataset.outcome = 'blocked';
    const kind = /** @type {Record<string, string>} */ (words().kind)[blocked.kind] ?? blocked.kind;
    result.replaceChildren(
      h('p', { class: 'result-title' }, [`${words().why}: ${type} (${kind})`]),
      h(
        'ul',
        { class: 'reasons' },
        blocked.reasons.map((r) => h('li', { 'data-code': r.code }, [r.message])),
      ),
    );
  }
  renderForm(type, Boolean(blocked));
  renderEvents();
}

/** A form for an event's payload, from the pathway's field descriptions. @param {string} type @param {boolean} blocked */
function renderForm(type, blocked) {
  const form = /** @type {HTMLFormElement} */ ($('event-form'));
  const description = state.case ? state.pathways.get(state.case.pathway) : undefined;
  const event = description?.events.find((e) => e.type === type);
  form.hidden = false;
  form.dataset.event = type;
  form.dataset.blocked = String(blocked);
  const title = h('legend', {}, [`${type}${event ? ` — ${event.summary[state.lang]}` : ''}`]);
  const rows = [fieldRow('at', words().eventAt, h('input', { type: 'date', name: 'at', value: today(), required: '' }))];
  for (const field of event?.fields ?? []) {
    if (field.type.kind === 'operator') continue;
    rows.push(fieldRow(field.name, `${field.description[state.lang]}${field.required ? ` (${words().required})` : ''}`, fieldInput(field)));
  }
  const fire = h('button', { type: 'submit', id: 'fire-event', class: blocked ? 'try-blocked' : 'primary' }, [words().fire]);
  const cancel = h('button', { type: 'button', id: 'cancel-event' }, [words().cancel]);
  cancel.addEventListener('click', () => {
    state.formEvent = null;
    form.hidden = true;
    form.replaceChildren();
    renderEvents();
  });
  form.replaceChildren(h('fieldset', {}, [title, ...rows, h('div', { class: 'form-actions' }, [fire, cancel])]));
  const first = form.querySelector('input, select');
  if (first instanceof HTMLElement) first.focus();
}

/** @param {string} name @param {string} labelText @param {HTMLElement} input */
function fieldRow(name, labelText, input) {
  const id = `field-${name}`;
  if (input.matches('input, select')) input.id = id;
  const label = input.matches('input, select')
    ? h('label', { for: id }, [labelText])
    : h('span', { class: 'group-label', id: `${id}-label` }, [labelText]);
  if (!input.matches('input, select')) input.setAttribute('aria-labelledby', `${id}-label`);
  return h('div', { class: 'field' }, [label, input]);
}

/** @param {FieldDescription} field @returns {HTMLElement} */
function fieldInput(field) {
  const t = field.type;
  /** @type {Record<string, string>} */
  const required = field.required ? { required: '' } : {};
  switch (t.kind) {
    case 'enum':
      return h('select', { name: field.name, ...required }, [
        ...(field.required ? [] : [h('option', { value: '' }, ['—'])]),
        ...(t.values ?? []).map((v) => h('option', { value: v }, [v])),
      ]);
    case 'enumList':
      return h(
        'div',
        { class: 'checkbox-group', 'data-name': field.name, role: 'group' },
        (t.values ?? []).map((v) => h('label', {}, [h('input', { type: 'checkbox', name: field.name, value: v }), ` ${v}`])),
      );
    case 'boolean':
      return h('input', { type: 'checkbox', name: field.name });
    case 'date':
      return h('input', { type: 'date', name: field.name, value: today(), ...required });
    case 'integer':
      return h('input', {
        type: 'number',
        name: field.name,
        step: '1',
        min: String(t.min ?? ''),
        max: String(t.max ?? ''),
        value: String(t.min && t.min > 0 ? Math.max(t.min, 60) : 1),
        ...required,
      });
    default:
      return h('input', { type: 'text', name: field.name, maxlength: String(t.maxLength ?? 200), ...required });
  }
}

/** The event as the API takes it, from the form. @param {HTMLFormElement} form */
function eventFromForm(form) {
  const type = form.dataset.event ?? '';
  const description = state.case ? state.pathways.get(state.case.pathway) : undefined;
  const event = description?.events.find((e) => e.type === type);
  const data = new FormData(form);
  /** @type {Record<string, unknown>} */
  const body = { type, at: data.get('at') };
  for (const field of event?.fields ?? []) {
    const kind = field.type.kind;
    if (kind === 'operator') continue;
    if (kind === 'enumList') body[field.name] = data.getAll(field.name).map(String);
    else if (kind === 'boolean') body[field.name] = data.get(field.name) !== null;
    else {
      const value = data.get(field.name);
      if (value === null || value === '') continue;
      body[field.name] = kind === 'integer' ? Number(value) : String(value);
    }
  }
  return body;
}

/** @param {SubmitEvent} submit */
async function fireEvent(submit) {
  submit.preventDefault();
  const c = state.case;
  const form = /** @type {HTMLFormElement} */ ($('event-form'));
  if (!c || !form.dataset.event) return;
  const body = eventFromForm(form);
  const result = $('event-result');
  try {
    const answer = await api(`/cases/${c.id}/events`, { method: 'POST', body, language: state.lang });
    result.dataset.outcome = 'applied';
    result.replaceChildren(
      h('p', { class: 'result-title' }, [`${words().applied}: ${String(body.type)} → ${words().version} ${answer.case.version}`]),
    );
    form.hidden = true;
    form.replaceChildren();
    state.formEvent = null;
    appendStep(answer.event, answer.case);
    if (state.case && answer.case.version > state.case.version) {
      state.case = { ...state.case, ...answer.case };
      await refreshCase();
    }
    $('allowed-events').querySelector('button')?.focus();
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 409 && Array.isArray(error.body?.reasons)) {
      result.dataset.outcome = 'refused';
      result.replaceChildren(
        h('p', { class: 'result-title' }, [`${words().refused}: ${String(body.type)} — ${error.body.title ?? ''}`]),
        h(
          'ul',
          { class: 'reasons' },
          error.body.reasons.map((/** @type {Reason} */ r) => h('li', { 'data-code': r.code }, [r.message])),
        ),
      );
    } else showError(error, 'event');
  }
}

// ---------------------------------------------------------------- replay

function renderReplay() {
  const c = state.case;
  const slider = /** @type {HTMLInputElement} */ ($('replay-slider'));
  if (!c) return;
  const max = Math.max(1, state.steps.length ? state.steps[state.steps.length - 1].sequence : c.version);
  slider.min = '1';
  slider.max = String(max);
  slider.value = String(state.replayAt ?? max);
  slider.disabled = state.steps.length <= 1;
  const at = state.replayAt ?? max;
  slider.setAttribute('aria-valuetext', `${words().step} ${at} ${words().of} ${max}`);
  $('replay-position').textContent = `${words().step} ${at} ${words().of} ${max}`;
  /** @type {HTMLButtonElement} */ ($('replay-live')).disabled = state.replayAt === null;
  $('replay-mode').hidden = state.replayAt === null;
  const step = state.steps.find((s) => s.sequence === at);
  const details = $('replay-details');
  details.dataset.sequence = String(at);
  if (!step) {
    details.replaceChildren();
    return;
  }
  const actor = step.actor ?? {};
  const who = [actor.id, actor.kind].filter(Boolean).join(' · ');
  /** @param {unknown} value */
  const json = (value) => h('pre', {}, [JSON.stringify(value, null, 2)]);
  const payload = Object.fromEntries(Object.entries(step.payload ?? {}).filter(([key]) => key !== 'type'));
  details.replaceChildren(
    h('p', { class: 'step-title' }, [
      h('strong', {}, [`#${step.sequence} ${step.type}`]),
      ` — ${words().by} ${who}, ${words().when} ${step.occurredAt.slice(0, 10)} (${step.recordedAt.replace('T', ' ').slice(0, 19)})`,
    ]),
    h('details', {}, [h('summary', {}, [words().payload]), json(payload)]),
    h('details', {}, [h('summary', {}, [words().context]), json(step.context)]),
  );
  renderTimeline(at);
}

/** @param {number} at */
function renderTimeline(at) {
  $('timeline').replaceChildren(
    ...state.steps.map((s) =>
      h('li', { 'data-sequence': String(s.sequence), class: s.sequence === at ? 'current' : s.sequence < at ? 'past' : 'future' }, [
        h(
          'button',
          {
            type: 'button',
            class: 'timeline-step',
            'data-sequence': String(s.sequence),
            title: `${s.type} · ${s.occurredAt.slice(0, 10)}`,
          },
          [`${s.sequence}. ${s.type}`],
        ),
      ]),
    ),
  );
}

/** @param {number} sequence */
function replayTo(sequence) {
  const c = state.case;
  if (!c) return;
  const last = state.steps.length ? state.steps[state.steps.length - 1].sequence : c.version;
  state.replayAt = sequence >= last ? null : Math.max(1, sequence);
  if (state.replayAt !== null) {
    state.formEvent = null;
    const form = $('event-form');
    form.hidden = true;
    form.replaceChildren();
  }
  renderServices();
  renderEvents();
  renderReplay();
  showHighlight();
}

// ---------------------------------------------------------------- lists and sandbox

async function loadCaseList() {
  const params = new URLSearchParams({ limit: '20' });
  const pathway = /** @type {HTMLSelectElement} */ ($('filter-pathway')).value;
  const status = /** @type {HTMLSelectElement} */ ($('filter-status')).value;
  if (pathway) params.set('pathway', pathway);
  if (status) params.set('status', status);
  params.set('practice', /** @type {HTMLInputElement} */ ($('filter-practice')).checked ? 'true' : 'false');
  const list = $('case-list');
  try {
    const page = await api(`/cases?${params}`, { language: state.lang });
    /** @type {CaseView[]} */
    const items = page.items;
    list.replaceChildren(
      ...(items.length
        ? items.map((c) =>
            h('li', {}, [
              h('button', { type: 'button', class: 'case-item', 'data-case-id': c.id }, [
                h('span', { class: 'case-subject' }, [c.subject]),
                h('span', { class: 'case-meta' }, [
                  `${c.pathway} · v${c.version} · ${c.status}${c.practice ? ` · ${words().practice}` : ''}`,
                ]),
              ]),
            ]),
          )
        : [h('li', { class: 'empty' }, [words().noCases])]),
    );
  } catch (error) {
    showError(error);
  }
}

/** A practice case of a pathway, opened at once. @param {string} pathway */
async function newPracticeCase(pathway) {
  try {
    const subject = `${state.lang === 'it' ? 'PROVA' : 'PRACTICE'}-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
    const created = await api('/cases', { method: 'POST', body: { pathway, subject, practice: true }, language: state.lang });
    await openCase(created.id);
    void loadCaseList();
  } catch (error) {
    showError(error);
  }
}

// ---------------------------------------------------------------- wiring

/** @param {Language} lang */
async function setLanguage(lang) {
  state.lang = lang;
  try {
    localStorage.setItem('percorsi.inspector.lang', lang);
  } catch {
    // Storage may be off (private windows): the choice lasts for this page.
  }
  translateStatic();
  await drawDiagram();
  if (state.case) {
    await refreshCase();
    const selected = state.formEvent;
    if (selected) selectEvent(selected);
    if (state.stream) setLiveStatus(words().live, 'live');
  }
  await loadCaseList();
}

function wire() {
  $('language').addEventListener('change', (e) => {
    void setLanguage(/** @type {Language} */ (/** @type {HTMLSelectElement} */ (e.target).value)).catch((error) => showError(error));
  });
  $('pathway').addEventListener('change', (e) => {
    state.pathway = /** @type {HTMLSelectElement} */ (e.target).value;
    void drawDiagram()
      .then(() => zoomToFit())
      .catch((error) => showError(error));
  });
  $('zoom-in').addEventListener('click', () => {
    state.zoom = Math.min(3, state.zoom * 1.25);
    applyZoom();
  });
  $('zoom-out').addEventListener('click', () => {
    state.zoom = Math.max(0.2, state.zoom / 1.25);
    applyZoom();
  });
  $('zoom-fit').addEventListener('click', () => zoomToFit({ whole: true }));
  $('open-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void openCase(/** @type {HTMLInputElement} */ ($('case-id')).value);
  });
  for (const id of ['filter-pathway', 'filter-status', 'filter-practice']) $(id).addEventListener('change', () => void loadCaseList());
  $('refresh-cases').addEventListener('click', () => void loadCaseList());
  $('case-list').addEventListener('click', (e) => {
    const button = /** @type {Element} */ (e.target).closest('button.case-item');
    const id = button?.getAttribute('data-case-id');
    if (id) void openCase(id);
  });
  $('new-practice').addEventListener('click', () => void newPracticeCase(/** @type {HTMLSelectElement} */ ($('sandbox-pathway')).value));
  $('reset-practice').addEventListener('click', () => {
    if (state.case?.practice) void newPracticeCase(state.case.pathway);
  });
  for (const list of ['allowed-events', 'blocked-events']) {
    $(list).addEventListener('click', (e) => {
      const button = /** @type {Element} */ (e.target).closest('button[data-event]');
      const type = button?.getAttribute('data-event');
      if (type) selectEvent(type);
    });
  }
  $('event-form').addEventListener('submit', (e) => void fireEvent(/** @type {SubmitEvent} */ (e)));
  $('replay-slider').addEventListener('input', (e) => replayTo(Number(/** @type {HTMLInputElement} */ (e.target).value)));
  $('replay-live').addEventListener('click', () => {
    replayTo(Number.MAX_SAFE_INTEGER);
    $('replay-slider').focus();
  });
  $('timeline').addEventListener('click', (e) => {
    const button = /** @type {Element} */ (e.target).closest('button.timeline-step');
    const sequence = Number(button?.getAttribute('data-sequence'));
    if (sequence) replayTo(sequence);
  });
  window.addEventListener('beforeunload', closeStream);
}

async function start() {
  const url = new URL(window.location.href);
  /** @type {string | null} */
  let saved;
  try {
    saved = localStorage.getItem('percorsi.inspector.lang');
  } catch {
    saved = null;
  }
  const lang = url.searchParams.get('lang') ?? saved ?? (navigator.language.startsWith('it') ? 'it' : 'en');
  state.lang = lang === 'en' ? 'en' : 'it';
  /** @type {HTMLSelectElement} */ ($('language')).value = state.lang;
  const wanted = url.searchParams.get('pathway');
  if (wanted === 'employer' || wanted === 'person') state.pathway = wanted;
  /** @type {HTMLSelectElement} */ ($('pathway')).value = state.pathway;
  translateStatic();
  wire();
  await drawDiagram();
  zoomToFit();
  renderCase();
  const caseId = url.searchParams.get('case');
  if (caseId) await openCase(caseId);
  await loadCaseList();
  document.body.dataset.ready = 'true';
}

void start().catch((error) => showError(error));
