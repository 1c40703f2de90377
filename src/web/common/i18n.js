// @ts-check
/**
 * The pages' languages (console and inspector): Italian by default, English available. The choice
 * comes from `?lang=` in the address, else from the one choice both pages save in localStorage;
 * texts the service gives in both languages ({ it, en }) are looked up here; and the words both
 * pages say (statuses, deadlines, the reasons list) live here once.
 */
import { useEffect, useState } from 'preact/hooks';

/** @typedef {'it' | 'en'} Language */
/** @typedef {{ it: string, en: string }} Text */

export const LANGUAGES = /** @type {const} */ (['it', 'en']);
/** The key both pages save the choice under. */
export const LANGUAGE_KEY = 'percorsi.lang';

/** @param {unknown} value @returns {value is Language} */
const isLanguage = (value) => value === 'it' || value === 'en';

/** The saved choice, or null (storage may be off, e.g. in a private window). @returns {Language | null} */
function savedLanguage() {
  try {
    const saved = localStorage.getItem(LANGUAGE_KEY);
    return isLanguage(saved) ? saved : null;
  } catch {
    return null;
  }
}

/** The page's language at start: `?lang=it|en`, else the saved choice, else Italian. @returns {Language} */
export function initialLanguage() {
  const asked = new URLSearchParams(location.search).get('lang');
  return isLanguage(asked) ? asked : (savedLanguage() ?? 'it');
}

/** Saves the choice for both pages (kept for this page only when storage is off). @param {Language} lang */
export function saveLanguage(lang) {
  try {
    localStorage.setItem(LANGUAGE_KEY, lang);
  } catch {
    // Storage may be off: the choice lasts for this page.
  }
}

/**
 * The page's language as state: starts as initialLanguage(), and every change is saved and set on
 * the document (<html lang>), with the page's title in that language.
 * @param {(lang: Language) => string} [titleOf] @returns {[Language, (lang: Language) => void]}
 */
export function useLanguage(titleOf) {
  const [lang, setLang] = useState(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = lang;
    if (titleOf) document.title = titleOf(lang);
    saveLanguage(lang);
  }, [lang]);
  return [lang, setLang];
}

/**
 * A text in the chosen language: a { it, en } text (the other language, then '' when missing), or
 * a plain string as it is.
 * @param {Text | Partial<Text> | string | null | undefined} text @param {Language} lang @returns {string}
 */
export function textOf(text, lang) {
  if (text === null || text === undefined) return '';
  if (typeof text === 'string') return text;
  return text[lang] ?? text[lang === 'it' ? 'en' : 'it'] ?? '';
}

/** A service key as the standards write it: 'A1' -> 'A.1'. @param {string} key */
export const serviceCode = (key) => key.replace(/^([AB])(\d)$/, '$1.$2');

/** The words both pages use, in both languages. */
export const COMMON_WORDS = {
  it: {
    language: 'Lingua',
    pathway: 'Percorso',
    person: 'Persona',
    employer: 'Impresa',
    status: 'Stato',
    services: 'Servizi',
    deadlines: 'Scadenze di legge',
    cancel: 'Annulla',
    error: 'Errore',
    loading: 'Caricamento…',
    practice: 'esercitazione',
    blocked: 'Passi non consentiti ora',
    none: 'Nessuno.',
    /** The subject when the service hides it (a trainer reading a real case). */
    hidden: 'nascosto',
    statuses: {
      not_started: 'non iniziato',
      active: 'in corso',
      completed: 'concluso',
      closed: 'chiuso',
      not_applicable: 'non previsto',
      done: 'chiuso',
    },
    deadlineStates: { pending: 'in corso', met: 'rispettata', overdue: 'scaduta', waived: 'decaduta' },
    /** Why an event is blocked, by the kind the service gives. */
    blockedKinds: {
      guards_failed: 'condizioni non soddisfatte',
      not_available: 'non disponibile in questo stato',
      case_closed: 'caso chiuso',
      unknown_event: 'evento sconosciuto',
    },
    days: (/** @type {number} */ n) => (n < 0 ? `${-n} giorni fa` : n === 0 ? 'oggi' : `tra ${n} giorni`),
  },
  en: {
    language: 'Language',
    pathway: 'Pathway',
    person: 'Person',
    employer: 'Company',
    status: 'Status',
    services: 'Services',
    deadlines: 'Legal deadlines',
    cancel: 'Cancel',
    error: 'Error',
    loading: 'Loading…',
    practice: 'practice',
    blocked: 'Steps not allowed now',
    none: 'None.',
    hidden: 'hidden',
    statuses: {
      not_started: 'not started',
      active: 'in progress',
      completed: 'completed',
      closed: 'closed',
      not_applicable: 'not applicable',
      done: 'closed',
    },
    deadlineStates: { pending: 'pending', met: 'met', overdue: 'overdue', waived: 'waived' },
    blockedKinds: {
      guards_failed: 'conditions not met',
      not_available: 'not available in this state',
      case_closed: 'case closed',
      unknown_event: 'unknown event',
    },
    days: (/** @type {number} */ n) => (n < 0 ? `${-n} days ago` : n === 0 ? 'today' : `in ${n} days`),
  },
};

/** @typedef {typeof COMMON_WORDS.it} CommonWords */

/** A status word (a case's or a service's), or the status itself when unknown. @param {string} status @param {Language} lang */
export const statusWord = (status, lang) => /** @type {Record<string, string>} */ (COMMON_WORDS[lang].statuses)[status] ?? status;

/** A deadline's state in words. @param {string} state @param {Language} lang */
export const deadlineWord = (state, lang) => /** @type {Record<string, string>} */ (COMMON_WORDS[lang].deadlineStates)[state] ?? state;
