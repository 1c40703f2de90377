import type { EventSpec, EventsOf } from '../case.js';
import type { FieldSpec } from '../payload.js';
import { LIMITS } from '../repertory.js';

const sessionFields = [
  {
    name: 'mode',
    type: { kind: 'enum', values: ['individual', 'group', 'back_office'] },
    required: true,
    description: { it: 'Modalità di erogazione', en: 'Delivery mode' },
  },
  {
    name: 'minutes',
    type: { kind: 'integer', min: 1, max: LIMITS.maxSessionMinutes },
    required: true,
    description: { it: "Durata dell'incontro in minuti", en: 'Length of the meeting in minutes' },
  },
] as const satisfies readonly FieldSpec[];

// Every event that names a vacancy requires it.
const vacancyId = {
  name: 'vacancyId',
  type: { kind: 'string', maxLength: 100, identifier: true },
  required: true,
  description: { it: 'Identificativo della vacancy', en: 'Vacancy identifier' },
} as const satisfies FieldSpec;

const personCaseId = {
  name: 'personCaseId',
  type: { kind: 'string', maxLength: 100, identifier: true },
  required: false,
  description: {
    it: 'Il caso della persona (A.6), per la coerenza 10.1 / 6.2',
    en: "The person's case (A.6), for the 10.1 / 6.2 consistency check",
  },
} as const satisfies FieldSpec;

const reason = {
  name: 'reason',
  type: { kind: 'string' },
  required: true,
  description: { it: 'Motivo, in parole', en: 'Reason, in words' },
} as const satisfies FieldSpec;

const events = [
  {
    type: 'COMPANY_CONTACTED',
    service: 'B1',
    summary: { it: 'Impresa contattata dalla rete', en: 'Company contacted by the network' },
    fields: [
      {
        name: 'channel',
        type: { kind: 'enum', values: ['phone', 'email', 'visit', 'event', 'other'] },
        required: true,
        description: { it: 'Canale del contatto', en: 'Contact channel' },
      },
    ],
    indicators: ['7.1'],
  },
  {
    type: 'SCOUTING_MEETING_HELD',
    service: 'B1',
    summary: { it: "Incontro con l'impresa, in sede o presso il servizio", en: 'Meeting with the company, on site or at the office' },
    fields: [
      ...sessionFields,
      {
        name: 'location',
        type: { kind: 'enum', values: ['company', 'office'] },
        required: true,
        description: { it: "Dove: presso l'impresa o il servizio", en: 'Where: at the company or the office' },
      },
    ],
    indicators: [],
  },
  {
    type: 'VACANCIES_DETECTED',
    service: 'B1',
    summary: { it: 'Vacancies rilevate', en: 'Vacancies detected' },
    fields: [
      {
        name: 'count',
        type: { kind: 'integer', min: 1, max: 1000 },
        required: true,
        description: { it: 'Numero di posizioni rilevate', en: 'Number of positions detected' },
      },
    ],
    indicators: [],
  },
  {
    type: 'INTEREST_EXPRESSED',
    service: 'B1',
    summary: { it: "Manifestazione d'interesse al servizio di incontro D/O", en: 'Interest in the matching service expressed' },
    fields: [],
    indicators: ['7.2'],
  },
  {
    type: 'EMPLOYER_INTAKE_HELD',
    service: 'B2',
    summary: { it: 'Accoglienza svolta, a sportello o su appuntamento', en: 'Intake held, at the desk or by appointment' },
    fields: sessionFields,
    indicators: ['8.1'],
  },
  {
    type: 'COMPANY_RECORD_UPDATED',
    service: 'B2',
    summary: { it: 'Scheda aziendale compilata o aggiornata', en: 'Company record filled in or updated' },
    fields: [],
    indicators: [],
  },
  {
    type: 'VACANCY_RECORDED',
    service: 'B2',
    summary: { it: 'Vacancy registrata con il profilo richiesto', en: 'Vacancy recorded with the requested profile' },
    fields: [
      vacancyId,
      {
        name: 'profile',
        type: { kind: 'string', maxLength: 300 },
        required: true,
        description: { it: 'Profilo professionale richiesto', en: 'Requested professional profile' },
      },
      {
        name: 'positions',
        type: { kind: 'integer', min: 1, max: 1000 },
        required: true,
        description: { it: 'Posizioni da coprire', en: 'Positions to fill' },
      },
    ],
    indicators: ['8.3', '8.4'],
  },
  {
    type: 'PATTO_SIGNED',
    service: 'B2',
    summary: { it: 'Patto di Servizio sottoscritto e registrato', en: 'Patto di Servizio signed and recorded' },
    fields: [],
    indicators: ['8.2'],
  },
  {
    type: 'PATTO_REFUSED',
    service: 'B2',
    summary: { it: "L'impresa non sottoscrive il Patto: il percorso si chiude", en: 'The company refuses the Patto: the pathway closes' },
    fields: [reason],
    indicators: [],
  },
  {
    type: 'ACTION_PLAN_OPENED',
    service: 'B2',
    summary: { it: "Piano d'azione dell'impresa aperto", en: "The company's action plan opened" },
    fields: [],
    indicators: [],
  },
  {
    type: 'CONSULTING_SESSION_HELD',
    service: 'B3',
    summary: { it: 'Consulenza erogata, su appuntamento', en: 'Consulting session held, by appointment' },
    fields: [
      ...sessionFields,
      {
        name: 'topic',
        type: { kind: 'string', maxLength: 300 },
        required: true,
        description: { it: 'Tema della consulenza', en: 'Topic of the consulting' },
      },
    ],
    indicators: ['9.1'],
  },
  {
    type: 'CONSULTING_COMPLETED',
    service: 'B3',
    summary: { it: "Consulenza conclusa e registrata nel piano d'azione", en: 'Consulting completed and recorded in the action plan' },
    fields: [],
    indicators: [],
  },
  {
    type: 'CANDIDATE_PUT_FORWARD',
    service: 'B4',
    summary: { it: 'Candidato segnalato per una vacancy', en: 'Candidate put forward for a vacancy' },
    fields: [vacancyId, personCaseId],
    indicators: ['10.1'],
  },
  {
    type: 'HIRING_DECLARED',
    service: 'B4',
    summary: { it: "L'impresa dichiara di assumere", en: 'The company declares it will hire' },
    fields: [vacancyId],
    indicators: ['10.2'],
  },
  {
    type: 'CANDIDATE_HIRED',
    service: 'B4',
    summary: { it: "L'impresa ha assunto un candidato", en: 'The company hired a candidate' },
    fields: [vacancyId, personCaseId],
    indicators: ['10.3'],
  },
  {
    type: 'EMPLOYER_FEEDBACK_RECORDED',
    service: 'B4',
    summary: { it: "Esito e feedback dell'impresa raccolti", en: "The employer's feedback collected" },
    fields: [
      vacancyId,
      {
        name: 'feedback',
        type: { kind: 'string' },
        required: true,
        description: { it: "Il feedback dell'impresa", en: "The employer's feedback" },
      },
    ],
    indicators: [],
  },
  {
    type: 'MATCHING_COMPLETED',
    service: 'B4',
    summary: { it: 'Incontro domanda/offerta concluso', en: 'Job matching completed' },
    fields: [],
    indicators: [],
  },
  {
    type: 'CASE_CLOSED',
    service: null,
    summary: { it: 'Servizi conclusi: il caso si chiude', en: 'Services concluded: the case closes' },
    fields: [reason],
    indicators: [],
  },
  {
    type: 'WITHDRAWN',
    service: null,
    summary: { it: "L'impresa rinuncia ai servizi: il caso si chiude", en: 'The company withdraws: the case closes' },
    fields: [reason],
    indicators: [],
  },
] as const satisfies readonly EventSpec[];

/** The pathway's events, a union discriminated by `type`, typed from the catalogue above. */
export type EmployerEvent = EventsOf<(typeof events)[number]>;

export const EMPLOYER_EVENTS: Record<string, EventSpec> = Object.fromEntries(events.map((e) => [e.type, e]));

export const EMPLOYER_INPUT_FIELDS: FieldSpec[] = [];
