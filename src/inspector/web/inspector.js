// @ts-check
/**
 * The inspector page for training rooms: pick a pathway and see its statechart, with the standard's
 * text for a service beside it; open a case (by id or from the list) and follow it live, with its
 * services, deadlines, allowed and blocked events; replay its history; practise on a sandbox case.
 * Everything goes through the public API with the session cookie. Preact with htm and the blocks
 * the console shares (src/web/common): no build step; the page's import map names the modules.
 */
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { ApiProblem, call } from '../../web/common/api.js';
import { EventForm } from '../../web/common/event-form.js';
import { COMMON_WORDS, deadlineWord, serviceCode, statusWord, textOf, useLanguage } from '../../web/common/i18n.js';
import { BlockedEvents, Reasons } from '../../web/common/reasons.js';
import { COMMON_GUARDS, defaultZoom, drawPathway, highlight } from './diagram.js';
import { WORDS } from './words.js';

/**
 * @typedef {import('../../web/common/i18n.js').Language} Language
 * @typedef {import('../../web/common/i18n.js').Text} Text
 * @typedef {import('../../web/common/api.js').Reason} Reason
 * @typedef {import('../../web/common/api.js').FieldError} FieldError
 * @typedef {import('../../web/common/reasons.js').Blocked} Blocked
 * @typedef {import('./diagram.js').EventDescription} EventDescription
 * @typedef {{ purpose?: Text | string, deliveredBy?: Text | string, duration?: Text | string, access?: Text | string,
 *   outputs?: (Text | string)[] }} ServiceAbout
 * @typedef {import('./diagram.js').ServiceDescription & { about?: ServiceAbout }} Service
 * @typedef {Omit<import('./diagram.js').PathwayDescription, 'services'> & { services: Service[] }} Pathway
 * @typedef {typeof WORDS.it & typeof COMMON_WORDS.it} Words
 * @typedef {{ id: string, text: Text, dueBy: string, metAt: string | null, state: string, daysLeft: number | null }} Deadline
 * @typedef {{ id: string, pathway: string, subject: string, status: string, statePaths: string[], services: Record<string, string>,
 *   practice: boolean, masked?: boolean, version: number, context?: unknown, deadlines?: Deadline[] }} CaseView
 * @typedef {{ event: string, service: string | null, summary?: string }} Allowed
 * @typedef {{ allowed: Allowed[], blocked: Blocked[] }} Transitions
 * @typedef {{ sequence: number, type: string, payload: Record<string, unknown>, actor: Record<string, unknown>,
 *   occurredAt: string, recordedAt: string }} HistoryEvent
 * @typedef {HistoryEvent & { statePaths: string[], services: Record<string, string>, context: unknown }} ReplayStep
 * @typedef {{ outcome: 'applied' | 'refused' | 'error', title: string, lines?: string[], reasons?: Reason[] }} Result
 * @typedef {'off' | 'connecting' | 'live' | 'offline'} LiveState
 */

/** The layout engine: elk.bundled.js, a classic script the page loads before this module. */
const elk = new /** @type {{ ELK: new () => import('./diagram.js').ElkEngine }} */ (/** @type {unknown} */ (globalThis)).ELK();

/** A page's words: the inspector's own and those it shares with the console. @param {Language} lang @returns {Words} */
const wordsOf = (lang) => ({ ...COMMON_WORDS[lang], ...WORDS[lang] });

const PATHWAYS = /** @type {const} */ (['person', 'employer']);

/**
 * Fictitious but valid subjects for practice cases, one per pathway: a tax code for a person, a
 * partita IVA for a company. Practice cases may share them (one open case per subject binds real cases only).
 * @type {Record<string, string>}
 */
const PRACTICE_SUBJECTS = { person: 'RSSMRA80A01H501U', employer: '12345678903' };

/** @type {Map<string, Promise<Pathway>>} */
const pathways = new Map();
/** A pathway's description (its texts in both languages), fetched once. @param {string} name */
function pathwayOf(name) {
  if (!pathways.has(name)) {
    const loading = call(`/pathways/${encodeURIComponent(name)}`).then((answer) => /** @type {Pathway} */ (answer.body));
    loading.catch(() => pathways.delete(name));
    pathways.set(name, loading);
  }
  return /** @type {Promise<Pathway>} */ (pathways.get(name));
}

/** @param {string | null | undefined} name @param {(error: unknown) => void} onError @returns {Pathway | null} */
function usePathway(name, onError) {
  const [description, setDescription] = useState(/** @type {Pathway | null} */ (null));
  useEffect(() => {
    setDescription(null);
    if (!name) return;
    let current = true;
    pathwayOf(name)
      .then((d) => current && setDescription(d))
      .catch((error) => current && onError(error));
    return () => {
      current = false;
    };
  }, [name]);
  return description && (!name || description.name === name) ? description : null;
}

/**
 * The subject as the page may show it: a trainer reading a real case gets it masked ("***"), and
 * the page says it is hidden rather than showing the stars as if they were a name.
 * @param {{ subject: string, masked?: boolean }} c @param {Words} w
 */
const subjectOf = (c, w) => (c.masked || c.subject === '***' ? `(${w.hidden})` : c.subject);

/** A value of a masked case's data with its hidden texts ("***") said in words. @param {unknown} value @param {Words} w @returns {unknown} */
function unmaskedForShow(value, w) {
  if (value === '***') return `(${w.hidden})`;
  if (Array.isArray(value)) return value.map((v) => unmaskedForShow(v, w));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unmaskedForShow(v, w)]));
  return value;
}

/** A failure in words: the problem's title, detail and field errors. @param {unknown} error @param {Words} w @returns {string[]} */
function problemLines(error, w) {
  if (!(error instanceof ApiProblem)) return [`${w.error}: ${error instanceof Error ? error.message : String(error)}`];
  const { problem } = error;
  return [
    `${w.error}: ${problem.title ?? `HTTP ${error.status}`}`,
    ...(problem.detail ? [problem.detail] : []),
    ...(problem.errors ?? []).map((e) => `${e.field}: ${e.message}`),
  ];
}

// ---------------------------------------------------------------- the diagram

/**
 * The statechart of a pathway, drawn by diagram.js into the SVG (which Preact leaves alone), with
 * the open case's states highlighted (live, or as they were at the replayed step) and the
 * transitions it may take now as buttons.
 * @param {{ pathway: Pathway | null, lang: Language, w: Words, active: string[] | null, allowed: Set<string>,
 *   sequence: number | null, replaying: boolean, onChoose: (event: string) => void, onService: (key: string) => void,
 *   summaryOf: (event: string) => string }} props
 */
function Diagram({ pathway, lang, w, active, allowed, sequence, replaying, onChoose, onService, summaryOf }) {
  const svgRef = useRef(/** @type {SVGSVGElement | null} */ (null));
  const scrollRef = useRef(/** @type {HTMLDivElement | null} */ (null));
  const [drawn, setDrawn] = useState(
    /** @type {{ key: string, pathway: string, width: number, height: number, times: number } | null} */ (null),
  );
  /** The zoom chosen with the buttons; null: fitted to the width. */
  const [zoom, setZoom] = useState(/** @type {number | null} */ (null));
  const drawnPathway = useRef('');
  const key = pathway ? `${pathway.name}:${lang}` : '';

  /** After each drawing (and each box opened or closed, which draws again): its size, and the page's marks on it again. */
  const sync = (/** @type {SVGSVGElement} */ svg, /** @type {string} */ drawnKey, /** @type {string} */ name) =>
    setDrawn((before) => ({
      key: drawnKey,
      pathway: name,
      width: Number(svg.dataset.width ?? 800),
      height: Number(svg.dataset.height ?? 600),
      times: (before?.times ?? 0) + 1,
    }));

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || !pathway) return;
    let current = true;
    // Boxes opened on the diagram stay open across redraws of the same pathway (diagram.js keeps
    // them); opening one draws again and calls onToggle: a service opened shows its standard.
    const onToggle = (/** @type {string} */ toggled) => {
      if (!current) return;
      const service = /^[AB]\d$/.exec(toggled.split('.').pop() ?? '')?.[0];
      if (service) onService(service);
      sync(svg, key, pathway.name);
    };
    void drawPathway(elk, svg, pathway, lang, { onToggle }).then(() => {
      if (!current) return;
      // A new pathway starts at the default zoom; a new language keeps the zoom chosen.
      if (drawnPathway.current !== pathway.name) setZoom(null);
      drawnPathway.current = pathway.name;
      sync(svg, key, pathway.name);
    });
    return () => {
      current = false;
    };
  }, [key]);

  /**
   * The zoom that fits the diagram: diagram.js's default (the whole of it in view, but never so
   * small that a projector cannot show the words: the diagram scrolls), or the whole of it at any
   * size (the Fit button).
   * @param {boolean} whole
   */
  const fit = (whole) => {
    const box = scrollRef.current?.getBoundingClientRect();
    const svg = svgRef.current;
    if (!box || !drawn || !svg) return 1;
    return whole ? Math.min(1.2, (box.width - 8) / drawn.width, (box.height - 8) / drawn.height) : defaultZoom(svg, box);
  };
  const scale = zoom ?? fit(false);

  // The drawing's size at this zoom, and the case's states and allowed transitions on it.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || !drawn) return;
    svg.setAttribute('width', String(Math.ceil(drawn.width * scale)));
    svg.setAttribute('height', String(Math.ceil(drawn.height * scale)));
  }, [drawn, scale]);
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || !drawn || !pathway) return;
    highlight(svg, new Set(active ? [pathway.name, ...active.map((p) => `${pathway.name}.${p}`)] : []));
    for (const group of svg.querySelectorAll('g.transition[data-event]')) {
      const event = group.getAttribute('data-event') ?? '';
      const source = group.getAttribute('data-source') ?? '';
      const fromActive = active !== null && (source === pathway.name || active.includes(source.slice(pathway.name.length + 1)));
      const on = fromActive && allowed.has(event);
      group.classList.toggle('allowed', on);
      // Allowed transitions are buttons: Tab reaches them, Enter or Space opens their form.
      if (on) {
        group.setAttribute('tabindex', '0');
        group.setAttribute('role', 'button');
        // Its name starts with what it shows (the event and its conditions), then says what the event is.
        const shown = (group.textContent ?? '').replace(/\s+/g, ' ').trim();
        group.setAttribute('aria-label', `${shown}: ${summaryOf(event)}`);
      } else {
        group.removeAttribute('tabindex');
        group.removeAttribute('role');
        group.removeAttribute('aria-label');
      }
    }
  }, [drawn, active, allowed, summaryOf]);

  /** A click or a key on the drawing: an allowed transition opens its form; a service shows its standard. @param {Event} e */
  const choose = (e) => {
    const target = /** @type {Element} */ (e.target);
    const transition = target.closest('g.transition.allowed[data-event]');
    if (transition) {
      onChoose(transition.getAttribute('data-event') ?? '');
      return;
    }
    const service = target.closest('g.state[data-service]')?.getAttribute('data-state-id')?.split('.').pop();
    if (service && e.type === 'click') onService(service);
  };
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && /** @type {Element} */ (e.target).matches('g.transition.allowed')) {
      e.preventDefault();
      choose(e);
    }
  };
  const ready = Boolean(drawn && pathway && drawn.key === key);
  return html`<section class="diagram-panel" aria-labelledby="diagram-title">
    <div class="panel-head">
      <h2 id="diagram-title">${w.diagram}</h2>
      <div class="zoom" role="group" aria-label=${w.diagram}>
        <button type="button" id="zoom-out" aria-label=${w.zoomOut} onClick=${() => setZoom(Math.max(0.2, scale / 1.25))}>−</button>
        <button type="button" id="zoom-fit" onClick=${() => setZoom(fit(true))}>${w.zoomFit}</button>
        <button type="button" id="zoom-in" aria-label=${w.zoomIn} onClick=${() => setZoom(Math.min(3, scale * 1.25))}>+</button>
      </div>
      ${replaying ? html`<span id="replay-mode" class="replay-mode">${w.replaying}</span>` : null}
    </div>
    <div id="diagram-scroll" class="diagram-scroll" tabindex="0" aria-label=${w.diagram} ref=${scrollRef}>
      <svg
        id="diagram"
        ref=${svgRef}
        role="group"
        xmlns="http://www.w3.org/2000/svg"
        class=${replaying ? 'replaying' : ''}
        data-ready=${String(ready)}
        data-pathway=${drawn?.pathway}
        data-sequence=${ready && sequence !== null ? String(sequence) : undefined}
        aria-label=${pathway ? `${w.diagram}: ${textOf(pathway.title, lang)}` : w.diagram}
        onClick=${choose}
        onKeyDown=${onKey}
      ></svg>
    </div>
    <details class="legend">
      <summary>${w.legend}</summary>
      <ul>
        <li><span class="swatch active"></span> ${w.legendActive}</li>
        <li><span class="swatch initial"></span> ${w.legendInitial}</li>
        <li><span class="swatch final"></span> ${w.legendFinal}</li>
        <li>${w.legendInternal}</li>
        <li>${w.legendGuards}<code id="common-guards">${COMMON_GUARDS.join(', ')}</code></li>
      </ul>
    </details>
  </section>`;
}

/**
 * The standard's text for a service (GET /pathways/:name `services[].about`): what it is for, who
 * may deliver it, the minimum duration, the access rule, what it produces.
 * @param {{ pathway: Pathway | null, chosen: string | null, onChoose: (key: string) => void, lang: Language, w: Words }} props
 */
function About({ pathway, chosen, onChoose, lang, w }) {
  if (!pathway) return null;
  const service = pathway.services.find((s) => s.key === chosen) ?? null;
  const about = service?.about;
  /** @type {[string, Text | string | undefined][]} */
  const rows = about
    ? [
        [w.purpose, about.purpose],
        [w.deliveredBy, about.deliveredBy],
        [w.duration, about.duration],
        [w.access, about.access],
      ]
    : [];
  return html`<section class="card about" id="about" aria-labelledby="about-title">
    <h2 id="about-title">${w.about}</h2>
    <div class="service-picker" role="group" aria-label=${w.services}>
      ${pathway.services.map(
        (s) =>
          html`<button
            type="button"
            key=${s.key}
            data-service=${s.key}
            aria-pressed=${String(s.key === chosen)}
            title=${textOf(s.name, lang)}
            onClick=${() => onChoose(s.key)}
          >
            ${serviceCode(s.key)}
          </button>`,
      )}
    </div>
    ${
      service
        ? html`<div class="about-text" data-service=${service.key} aria-live="polite">
            <h3>${serviceCode(service.key)} ${textOf(service.name, lang)}</h3>
            ${
              about
                ? html`<dl>
                    ${rows
                      .filter(([, value]) => textOf(value, lang) !== '')
                      .map(
                        ([label, value]) =>
                          html`<dt>${label}</dt>
                            <dd>${textOf(value, lang)}</dd>`,
                      )}
                    ${
                      about.outputs && about.outputs.length > 0
                        ? html`<dt>${w.outputs}</dt>
                            <dd>
                              <ul>
                                ${about.outputs.map((o) => html`<li>${textOf(o, lang)}</li>`)}
                              </ul>
                            </dd>`
                        : null
                    }
                  </dl>`
                : html`<p class="help">${w.aboutNone}</p>`
            }
          </div>`
        : html`<p class="help">${w.aboutHelp}</p>`
    }
  </section>`;
}

// ---------------------------------------------------------------- lists and sandbox

/**
 * The cases in the operator's reach, filtered (pathway, status, practice only), and opening one.
 * @param {{ lang: Language, w: Words, refresh: number, onOpen: (id: string) => void, onError: (error: unknown) => void }} props
 */
function CaseList({ lang, w, refresh, onOpen, onError }) {
  const [pathway, setPathway] = useState('');
  const [status, setStatus] = useState('');
  const [practice, setPractice] = useState(false);
  const [again, setAgain] = useState(0);
  const [items, setItems] = useState(/** @type {CaseView[] | null} */ (null));
  useEffect(() => {
    const params = new URLSearchParams({ limit: '20', practice: String(practice) });
    if (pathway) params.set('pathway', pathway);
    if (status) params.set('status', status);
    let current = true;
    call(`/cases?${params}`, { language: lang })
      .then(({ body }) => current && setItems(body.items))
      .catch((error) => current && onError(error));
    return () => {
      current = false;
    };
  }, [pathway, status, practice, lang, refresh, again]);
  /** @param {(value: string) => void} set @returns {(e: Event) => void} */
  const onSelect = (set) => (e) => set(/** @type {HTMLSelectElement} */ (e.currentTarget).value);
  return html`<section class="card" aria-labelledby="open-title">
    <h2 id="open-title">${w.openCase}</h2>
    <form
      id="open-form"
      class="inline"
      onSubmit=${(/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        const id = String(new FormData(/** @type {HTMLFormElement} */ (e.currentTarget)).get('case-id') ?? '').trim();
        if (id) onOpen(id);
      }}
    >
      <label for="case-id">${w.caseId}</label>
      <input id="case-id" name="case-id" autocomplete="off" spellcheck="false" />
      <button type="submit" id="open-case">${w.open}</button>
    </form>
    <h3>${w.cases}</h3>
    <div class="filters">
      <label for="filter-pathway">${w.filterPathway}</label>
      <select id="filter-pathway" value=${pathway} onChange=${onSelect(setPathway)}>
        <option value="">${w.any}</option>
        ${PATHWAYS.map((p) => html`<option value=${p}>${p}</option>`)}
      </select>
      <label for="filter-status">${w.filterStatus}</label>
      <select id="filter-status" value=${status} onChange=${onSelect(setStatus)}>
        <option value="">${w.any}</option>
        <option value="active">${w.statusActive}</option>
        <option value="done">${w.statusDone}</option>
      </select>
      <label class="check"
        ><input type="checkbox" id="filter-practice" checked=${practice} onChange=${() => setPractice(!practice)} />
        ${w.filterPractice}</label
      >
      <button type="button" id="refresh-cases" onClick=${() => setAgain(again + 1)}>${w.refresh}</button>
    </div>
    <ul id="case-list" class="case-list">
      ${
        items && items.length === 0
          ? html`<li class="empty">${w.noCases}</li>`
          : (items ?? []).map(
              (c) =>
                html`<li key=${c.id}>
                  <button type="button" class="case-item" data-case-id=${c.id} onClick=${() => onOpen(c.id)}>
                    <span class="case-subject">${subjectOf(c, w)}</span>
                    <span class="case-meta">
                      ${c.pathway} · v${c.version} · ${statusWord(c.status, lang)}${c.practice ? ` · ${w.practiceBadge}` : ''}
                    </span>
                  </button>
                </li>`,
            )
      }
    </ul>
  </section>`;
}

/** @param {{ w: Words, onNew: (pathway: string) => void }} props */
function Sandbox({ w, onNew }) {
  const [pathway, setPathway] = useState('person');
  return html`<section class="card sandbox" aria-labelledby="sandbox-title">
    <h2 id="sandbox-title">${w.sandbox}</h2>
    <p class="help">${w.sandboxHelp}</p>
    <div class="inline">
      <label for="sandbox-pathway">${w.pathway}</label>
      <select
        id="sandbox-pathway"
        value=${pathway}
        onChange=${(/** @type {Event} */ e) => setPathway(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}
      >
        ${PATHWAYS.map((p) => html`<option value=${p}>${p}</option>`)}
      </select>
      <button type="button" id="new-practice" class="primary" onClick=${() => onNew(pathway)}>${w.newPractice}</button>
    </div>
  </section>`;
}

// ---------------------------------------------------------------- the case

/** A person case's legal deadlines as they stand now (GET /cases/:id), whatever the replay shows. @param {{ deadlines: Deadline[], lang: Language, w: Words }} props */
function Deadlines({ deadlines, lang, w }) {
  if (deadlines.length === 0) return null;
  return html`<div id="deadlines-block">
    <h3>${w.deadlines}</h3>
    <ul id="deadlines" class="deadlines">
      ${deadlines.map((d) => {
        const days =
          d.daysLeft === null ? '' : ` · ${(d.daysLeft < 0 ? w.daysLate : w.daysLeft).replace('{n}', String(Math.abs(d.daysLeft)))}`;
        return html`<li key=${d.id} data-deadline=${d.id} data-state=${d.state} class=${`deadline deadline-${d.state}`}>
          ${`${textOf(d.text, lang)} · ${w.dueBy} ${d.dueBy} · ${deadlineWord(d.state, lang)}${days}`}
        </li>`;
      })}
    </ul>
  </div>`;
}

/** One step of the history in detail: the event, who recorded it and when, its data and the context after it. @param {{ step: ReplayStep, masked: boolean, w: Words }} props */
function StepDetails({ step, masked, w }) {
  const actor = step.actor ?? {};
  const who = [actor.id, actor.kind].filter(Boolean).join(' · ');
  /** @param {unknown} value */
  const json = (value) => JSON.stringify(masked ? unmaskedForShow(value, w) : value, null, 2);
  const payload = Object.fromEntries(Object.entries(step.payload ?? {}).filter(([key]) => key !== 'type'));
  return html`<p class="step-title">
      <strong>#${step.sequence} ${step.type}</strong>
      ${` — ${w.by} ${who}, ${w.when} ${step.occurredAt.slice(0, 10)} (${step.recordedAt.replace('T', ' ').slice(0, 19)})`}
    </p>
    <details>
      <summary>${w.payload}</summary>
      <pre>${json(payload)}</pre>
    </details>
    <details>
      <summary>${w.context}</summary>
      <pre>${json(step.context)}</pre>
    </details>`;
}

/**
 * The open case: its facts, services, deadlines, what may be recorded now and what may not (and
 * why), the event form, and its history with the replay slider. A masked case (a trainer reading a
 * real case) is read-only: no event form, no button to record anything.
 * @param {{ kase: CaseView, pathway: Pathway | null, transitions: Transitions | null, steps: ReplayStep[], replayAt: number | null,
 *   live: LiveState, lang: Language, w: Words, onReplay: (sequence: number | null) => void, onRecorded: (answer: any) => void,
 *   onReset: () => void, chosen: string | null, onChoose: (event: string | null) => void }} props
 */
function CasePanel({ kase, pathway, transitions, steps, replayAt, live, lang, w, onReplay, onRecorded, onReset, chosen, onChoose }) {
  const [result, setResult] = useState(/** @type {Result | null} */ (null));
  const [fieldErrors, setFieldErrors] = useState(/** @type {FieldError[]} */ ([]));
  const [busy, setBusy] = useState(false);
  const [focusNext, setFocusNext] = useState(false);
  const formHost = useRef(/** @type {HTMLDivElement | null} */ (null));
  const allowedList = useRef(/** @type {HTMLUListElement | null} */ (null));
  const readOnly = Boolean(kase.masked);
  const replaying = replayAt !== null;
  const events = useMemo(() => new Map((pathway?.events ?? []).map((e) => [e.type, e])), [pathway]);
  /** @param {string} type */
  const summaryOf = (type) => textOf(events.get(type)?.summary, lang) || type;
  /** @param {string | null} service @param {string} type */
  const label = (service, type) => `${service ? `${serviceCode(service)} · ` : ''}${summaryOf(type)}`;

  // A new choice (here or on the diagram) starts with no answer, and its form takes the focus; after
  // a recorded event, the first allowed event does.
  useEffect(() => {
    if (!chosen) return;
    setResult(null);
    setFieldErrors([]);
    formHost.current?.querySelector(/** @type {'input'} */ ('input, select'))?.focus();
  }, [chosen]);
  /** @param {string | null} type */
  const pick = (type) => {
    setResult(null);
    setFieldErrors([]);
    onChoose(type);
  };
  useEffect(() => {
    if (!focusNext || !transitions) return;
    allowedList.current?.querySelector('button')?.focus();
    setFocusNext(false);
  }, [transitions, focusNext]);

  const last = steps.length ? steps[steps.length - 1].sequence : kase.version;
  const max = Math.max(1, last);
  const at = replayAt ?? max;
  const step = replaying ? steps.find((s) => s.sequence === replayAt) : undefined;
  const shownStep = steps.find((s) => s.sequence === at);
  const services = step ? step.services : kase.services;
  const serviceKeys = pathway ? pathway.services.map((s) => s.key).filter((k) => k in services) : Object.keys(services);
  const blockedChosen = chosen ? transitions?.blocked.find((b) => b.event === chosen) : undefined;
  const event = chosen && !readOnly && !replaying ? events.get(chosen) : undefined;

  /** @param {Record<string, unknown>} payload */
  const submit = async (payload) => {
    setBusy(true);
    try {
      const { body } = await call(`/cases/${kase.id}/events`, { method: 'POST', body: payload, language: lang });
      setResult({ outcome: 'applied', title: `${w.applied}: ${summaryOf(String(payload.type))} → ${w.version} ${body.case.version}` });
      onChoose(null);
      setFocusNext(true);
      onRecorded(body);
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 409 && error.problem.reasons) {
        setFieldErrors([]);
        setResult({
          outcome: 'refused',
          title: `${w.refused}: ${summaryOf(String(payload.type))} — ${error.problem.title ?? ''}`,
          reasons: error.problem.reasons,
        });
      } else {
        setFieldErrors(error instanceof ApiProblem ? (error.problem.errors ?? []) : []);
        setResult({ outcome: 'error', title: '', lines: problemLines(error, w) });
      }
    } finally {
      setBusy(false);
    }
  };

  const outcome = result ? result.outcome : blockedChosen && !replaying ? 'blocked' : undefined;
  return html`<section
    id="case-view"
    data-case-id=${kase.id}
    data-version=${String(kase.version)}
    data-practice=${String(kase.practice)}
    data-status=${kase.status}
    data-masked=${String(readOnly)}
  >
    <div class="case-head">
      <h2 id="case-title">${w.caseTitle} <span id="case-subject">${subjectOf(kase, w)}</span></h2>
      ${kase.practice ? html`<span id="practice-badge" class="badge">${w.practiceBadge}</span>` : null}
      <span id="live-status" class="live" data-state=${live} role="status">
        ${live === 'live' ? w.live : live === 'offline' ? w.offline : live === 'connecting' ? w.connecting : ''}
      </span>
      ${kase.practice ? html`<button type="button" id="reset-practice" onClick=${onReset}>${w.reset}</button>` : null}
    </div>
    ${readOnly ? html`<p id="read-only" class="read-only" role="note">${w.readOnly}</p>` : null}
    <dl class="facts">
      <dt>id</dt>
      <dd><code id="case-id-shown">${kase.id}</code></dd>
      <dt>${w.version}</dt>
      <dd id="case-version">${kase.version}</dd>
      <dt>${w.status}</dt>
      <dd id="case-status">${statusWord(kase.status, lang)}</dd>
    </dl>
    <div class="columns">
      <div>
        <h3>${w.services}</h3>
        <table id="services">
          <thead>
            <tr>
              <th scope="col">${w.service}</th>
              <th scope="col">${w.serviceStatus}</th>
            </tr>
          </thead>
          <tbody>
            ${serviceKeys.map(
              (key) =>
                html`<tr key=${key} data-service=${key} data-status=${services[key]}>
                  <th scope="row">${serviceCode(key)} ${textOf(pathway?.services.find((s) => s.key === key)?.name, lang)}</th>
                  <td class=${`status status-${services[key]}`}>${statusWord(services[key], lang)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <${Deadlines} deadlines=${kase.deadlines ?? []} lang=${lang} w=${w} />
      </div>
      <div>
        <h3>${readOnly ? w.allowedReadOnly : w.allowed}</h3>
        <ul id="allowed-events" class="events" ref=${allowedList}>
          ${
            transitions && transitions.allowed.length === 0
              ? html`<li class="empty">${w.none}</li>`
              : (transitions?.allowed ?? []).map(
                  (a) =>
                    html`<li key=${a.event} data-event=${a.event}>
                      ${
                        readOnly
                          ? html`<span class="event-name">${label(a.service, a.event)}</span>`
                          : html`<button
                              type="button"
                              class="event-allowed"
                              data-event=${a.event}
                              aria-pressed=${String(chosen === a.event)}
                              disabled=${replaying}
                              onClick=${() => pick(a.event)}
                            >
                              ${label(a.service, a.event)}
                            </button>`
                      }
                      <small class="code">${a.event}</small>
                    </li>`,
                )
          }
        </ul>
        <h3>${w.blocked}</h3>
        ${
          transitions
            ? html`<${BlockedEvents}
                id="blocked-events"
                blocked=${transitions.blocked}
                nameOf=${(/** @type {Blocked} */ b) => label(b.service, b.event)}
                empty=${w.none}
                onSelect=${readOnly ? undefined : pick}
                selected=${chosen}
                disabled=${replaying}
              />`
            : null
        }
      </div>
    </div>
    <div ref=${formHost}>
      ${
        event
          ? html`<${EventForm}
              key=${event.type}
              event=${event}
              lang=${lang}
              words=${w}
              errors=${fieldErrors}
              busy=${busy}
              onSubmit=${submit}
              onCancel=${() => pick(null)}
              formProps=${{ id: 'event-form', 'data-event': event.type, 'data-blocked': String(Boolean(blockedChosen)) }}
              submitProps=${{ id: 'fire-event', class: blockedChosen ? 'try-blocked' : 'primary' }}
            />`
          : null
      }
    </div>
    <div id="event-result" role="status" aria-live="polite" data-outcome=${outcome}>
      ${
        result
          ? html`${result.title ? html`<p class="result-title">${result.title}</p>` : null}
            ${(result.lines ?? []).map((line) => html`<p>${line}</p>`)}
            ${result.reasons ? html`<${Reasons} reasons=${result.reasons} />` : null}`
          : blockedChosen && !replaying
            ? html`<p class="result-title">
                  ${w.why}: ${summaryOf(blockedChosen.event)}
                  (${/** @type {Record<string, string>} */ (w.blockedKinds)[blockedChosen.kind] ?? blockedChosen.kind})
                </p>
                <${Reasons} reasons=${blockedChosen.reasons} />`
            : null
      }
    </div>

    <section class="replay" aria-labelledby="replay-title">
      <h3 id="replay-title">${w.replay}</h3>
      <p class="help">${w.replayHelp}</p>
      <div class="inline">
        <input
          type="range"
          id="replay-slider"
          min="1"
          max=${String(max)}
          step="1"
          value=${String(at)}
          disabled=${steps.length <= 1}
          aria-label=${w.replay}
          aria-valuetext=${`${w.step} ${at} ${w.of} ${max}`}
          onInput=${(/** @type {Event} */ e) => {
            const sequence = Number(/** @type {HTMLInputElement} */ (e.currentTarget).value);
            onReplay(sequence >= last ? null : Math.max(1, sequence));
          }}
        />
        <span id="replay-position">${`${w.step} ${at} ${w.of} ${max}`}</span>
        <button type="button" id="replay-live" disabled=${!replaying} onClick=${() => onReplay(null)}>${w.backToLive}</button>
      </div>
      <div id="replay-details" data-sequence=${String(at)}>
        ${shownStep ? html`<${StepDetails} step=${shownStep} masked=${readOnly} w=${w} />` : null}
      </div>
      <ol id="timeline" class="timeline">
        ${steps.map(
          (s) =>
            html`<li
              key=${s.sequence}
              data-sequence=${String(s.sequence)}
              class=${s.sequence === at ? 'current' : s.sequence < at ? 'past' : 'future'}
            >
              <button
                type="button"
                class="timeline-step"
                data-sequence=${String(s.sequence)}
                title=${`${s.type} · ${s.occurredAt.slice(0, 10)}`}
                onClick=${() => onReplay(s.sequence >= last ? null : s.sequence)}
              >
                ${`${s.sequence}. ${summaryOf(s.type)}`}
              </button>
            </li>`,
        )}
      </ol>
    </section>
  </section>`;
}

// ---------------------------------------------------------------- the page

/** The pathway asked for in the address (?pathway=), or the person pathway. */
const initialPathway = () => {
  const asked = new URLSearchParams(location.search).get('pathway');
  return asked === 'employer' ? 'employer' : 'person';
};

function App() {
  const [lang, setLang] = useLanguage((l) => WORDS[l].title);
  const w = wordsOf(lang);
  const [pathwayName, setPathwayName] = useState(initialPathway);
  const [notice, setNotice] = useState(/** @type {string[] | null} */ (null));
  const showError = useCallback((/** @type {unknown} */ error) => setNotice(problemLines(error, wordsOf(lang))), [lang]);
  const pathway = usePathway(pathwayName, showError);
  const [kase, setKase] = useState(/** @type {CaseView | null} */ (null));
  const casePathway = usePathway(kase?.pathway, showError);
  const [transitions, setTransitions] = useState(/** @type {Transitions | null} */ (null));
  const [steps, setSteps] = useState(/** @type {ReplayStep[]} */ ([]));
  const [replayAt, setReplayAt] = useState(/** @type {number | null} */ (null));
  const [live, setLive] = useState(/** @type {LiveState} */ ('off'));
  const [chosen, setChosen] = useState(/** @type {string | null} */ (null));
  const [listRefresh, setListRefresh] = useState(0);
  const [aboutService, setAboutService] = useState(/** @type {string | null} */ (null));
  const stepsRef = useRef(steps);
  stepsRef.current = steps;

  /** A new event of the open case (from the live feed or the page's own write), as a replay step. */
  const appendStep = useCallback((/** @type {HistoryEvent} */ event, /** @type {CaseView} */ view) => {
    setSteps((before) => {
      const lastStep = before[before.length - 1];
      // Out of order or after a gap: the next full load puts the history right.
      if (!lastStep || event.sequence !== lastStep.sequence + 1 || view.version !== event.sequence) return before;
      return [...before, { ...event, statePaths: view.statePaths, services: view.services, context: view.context }];
    });
  }, []);
  /** The case as a newer view has it (an older or the same version changes nothing). @param {CaseView} view */
  const advance = (view) =>
    setKase((before) => (before && before.id === view.id && view.version > before.version ? { ...before, ...view } : before));

  /** @param {string} id */
  const openCase = async (id) => {
    try {
      const { body } = await call(`/cases/${encodeURIComponent(id)}`, { language: lang });
      const view = /** @type {CaseView} */ (body);
      setNotice(null);
      setKase(view);
      setTransitions(null);
      setSteps([]);
      setReplayAt(null);
      setChosen(null);
      setPathwayName(view.pathway);
      const url = new URL(location.href);
      url.searchParams.set('case', view.id);
      history.replaceState(null, '', url);
    } catch (error) {
      showError(error);
    }
  };

  /** A practice case of a pathway, opened at once. @param {string} name */
  const newPractice = async (name) => {
    try {
      const subject = PRACTICE_SUBJECTS[name] ?? PRACTICE_SUBJECTS.person;
      const { body } = await call('/cases', { method: 'POST', body: { pathway: name, subject, practice: true }, language: lang });
      await openCase(body.id);
      setListRefresh((n) => n + 1);
    } catch (error) {
      showError(error);
    }
  };

  // What the open case may do now (in the page's language), and its history when steps are missing.
  useEffect(() => {
    if (!kase) return;
    const id = kase.id;
    let current = true;
    const lastStep = stepsRef.current[stepsRef.current.length - 1];
    const wantSteps = !lastStep || lastStep.sequence < kase.version;
    void Promise.allSettled([
      call(`/cases/${id}/transitions`, { language: lang }).then(({ body }) => current && setTransitions(body)),
      wantSteps ? call(`/cases/${id}/replay`, { language: lang }).then(({ body }) => current && setSteps(body.steps)) : undefined,
    ]).then((results) => {
      // One failing (a case on a machine version no longer served cannot be replayed) leaves the other.
      const failed = results.find((r) => r.status === 'rejected');
      if (current && failed) showError(/** @type {PromiseRejectedResult} */ (failed).reason);
    });
    return () => {
      current = false;
    };
  }, [kase?.id, kase?.version, lang]);

  // Follows the open case: the service pushes every committed transition (any replica).
  useEffect(() => {
    if (!kase) return;
    const id = kase.id;
    setLive('connecting');
    const stream = new EventSource(`/cases/${encodeURIComponent(id)}/stream`);
    stream.addEventListener('open', () => setLive('live'));
    stream.addEventListener('error', () => setLive('offline'));
    /** @param {MessageEvent} message */
    const onCase = (message) => {
      setLive('live');
      const data = JSON.parse(String(message.data));
      const view = /** @type {CaseView} */ (data.case);
      if (view.id !== id) return;
      if (data.event) appendStep(data.event, view);
      advance(view);
    };
    stream.addEventListener('case', onCase);
    stream.addEventListener('transition', onCase);
    return () => stream.close();
  }, [kase?.id]);

  // At start: the case named in the address.
  useEffect(() => {
    const id = new URLSearchParams(location.search).get('case');
    if (id) void openCase(id);
  }, []);

  const shownCase = kase && kase.pathway === pathwayName ? kase : null;
  const step = replayAt === null ? null : steps.find((s) => s.sequence === replayAt);
  const active = shownCase ? (step ? step.statePaths : shownCase.statePaths) : null;
  const allowed = useMemo(
    () => new Set(shownCase && !shownCase.masked && replayAt === null ? (transitions?.allowed ?? []).map((a) => a.event) : []),
    [shownCase?.masked, shownCase?.id, replayAt, transitions],
  );
  const summaryOf = useCallback(
    (/** @type {string} */ type) => textOf(pathway?.events.find((e) => e.type === type)?.summary, lang),
    [pathway, lang],
  );
  /** @param {string | null} type */
  const choose = (type) => {
    if (type !== null && (replayAt !== null || !kase || kase.masked)) return;
    setChosen(type);
  };

  return html`<a class="skip" href="#case-panel">${w.caseTitle}</a>
    <header class="top">
      <h1>${w.title}</h1>
      <div class="controls">
        <label for="pathway">${w.pathway}</label>
        <select
          id="pathway"
          value=${pathwayName}
          onChange=${(/** @type {Event} */ e) => {
            setPathwayName(/** @type {HTMLSelectElement} */ (e.currentTarget).value);
            setAboutService(null);
          }}
        >
          ${PATHWAYS.map((p) => html`<option value=${p}>${w.pathwayWords[p]}</option>`)}
        </select>
        <label for="language">${w.language}</label>
        <select
          id="language"
          value=${lang}
          onChange=${(/** @type {Event} */ e) => setLang(/** @type {Language} */ (/** @type {HTMLSelectElement} */ (e.currentTarget).value))}
        >
          <option value="it">Italiano</option>
          <option value="en">English</option>
        </select>
      </div>
    </header>
    <div id="notice" class="notice" role="alert" hidden=${!notice}>${(notice ?? []).map((line) => html`<p>${line}</p>`)}</div>
    <main class="layout">
      <div class="left">
        <${Diagram}
          pathway=${pathway}
          lang=${lang}
          w=${w}
          active=${active}
          allowed=${allowed}
          sequence=${shownCase ? (step ? step.sequence : shownCase.version) : null}
          replaying=${Boolean(shownCase && step)}
          onChoose=${choose}
          onService=${setAboutService}
          summaryOf=${summaryOf}
        />
      </div>
      <div class="right">
        <aside class="side">
          <${About} pathway=${pathway} chosen=${aboutService} onChoose=${setAboutService} lang=${lang} w=${w} />
          <${CaseList}
            lang=${lang}
            w=${w}
            refresh=${listRefresh}
            onOpen=${(/** @type {string} */ id) => void openCase(id)}
            onError=${showError}
          />
          <${Sandbox} w=${w} onNew=${(/** @type {string} */ name) => void newPractice(name)} />
        </aside>
        <section id="case-panel" class="case-panel" aria-label=${w.caseTitle} tabindex="-1">
          ${
            kase
              ? html`<${CasePanel}
                  key=${kase.id}
                  kase=${kase}
                  pathway=${casePathway}
                  transitions=${transitions}
                  steps=${steps}
                  replayAt=${replayAt}
                  live=${live}
                  lang=${lang}
                  w=${w}
                  onReplay=${(/** @type {number | null} */ sequence) => {
                    setReplayAt(sequence);
                    if (sequence !== null) setChosen(null);
                  }}
                  onRecorded=${(/** @type {any} */ answer) => {
                    appendStep(answer.event, answer.case);
                    advance(answer.case);
                  }}
                  onReset=${() => void newPractice(kase.pathway)}
                  chosen=${chosen}
                  onChoose=${choose}
                />`
              : html`<p id="no-case" class="help">${w.noCase}</p>`
          }
        </section>
      </div>
    </main>`;
}

render(html`<${App} />`, /** @type {HTMLElement} */ (document.getElementById('app')));
