import type { EventSpec, EventsOf } from '../case.js';
import type { FieldSpec } from '../payload.js';
import { COMPLEX_TARGETS, DEADLINE_GROUPS, NETWORK_PARTNERS, OPERATOR_REQUIREMENTS, LIMITS } from '../repertory.js';

/** A record's keys with their type, so that enum fields built from the repertory type their values. */
const keysOf = <K extends string>(record: Record<K, unknown>): K[] => Object.keys(record) as K[];

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
    description: { it: "Durata dell'incontro in minuti", en: 'Length of the session in minutes' },
  },
] as const satisfies readonly FieldSpec[];

const reason = {
  name: 'reason',
  type: { kind: 'string' },
  required: true,
  description: { it: 'Motivo, in parole', en: 'Reason, in words' },
} as const satisfies FieldSpec;

export const CONTRACT_TYPES = ['permanent', 'fixed_term', 'apprenticeship', 'temporary_agency', 'seasonal', 'other'] as const;

const events = [
  {
    type: 'INFORMATION_GIVEN',
    service: 'A1',
    summary: { it: 'Informazione erogata e rinvio a un servizio', en: 'Information given and the person referred on' },
    fields: [
      {
        name: 'referral',
        type: { kind: 'enum', values: ['A2', 'external'] },
        required: true,
        description: { it: 'Rinvio: accoglienza (A2) o servizio esterno', en: 'Referral: intake (A2) or an external service' },
      },
      {
        name: 'externalService',
        type: { kind: 'string', maxLength: 200 },
        required: false,
        description: { it: 'Servizio esterno a cui si rinvia', en: 'External service referred to' },
      },
    ],
    indicators: ['1.1'],
  },
  {
    type: 'INTAKE_SESSION_HELD',
    service: 'A2',
    summary: { it: 'Colloquio di accoglienza svolto', en: 'Intake session held' },
    fields: sessionFields,
    indicators: ['2.1'],
  },
  {
    type: 'REGISTRY_UPDATED',
    service: 'A2',
    summary: { it: 'Scheda anagrafico-professionale registrata o aggiornata', en: 'Registry record registered or updated' },
    fields: [],
    indicators: [],
  },
  {
    type: 'DID_RECEIVED',
    service: 'A2',
    summary: { it: 'DID recepita', en: 'DID received' },
    fields: [
      {
        name: 'didDate',
        type: { kind: 'date' },
        required: true,
        description: {
          it: 'Data della DID: inizio dello stato di disoccupazione, da cui decorrono i termini di legge',
          en: 'Date of the DID: the start of unemployment, from which legal deadlines run',
        },
      },
      {
        name: 'deadlineGroup',
        type: { kind: 'enum', values: keysOf(DEADLINE_GROUPS) },
        required: true,
        description: {
          it: `Gruppo per i termini: priority = ${DEADLINE_GROUPS.priority.it}; other = ${DEADLINE_GROUPS.other.it}`,
          en: `Deadline group: priority = ${DEADLINE_GROUPS.priority.en}; other = ${DEADLINE_GROUPS.other.en}`,
        },
      },
    ],
    indicators: [],
  },
  {
    type: 'DID_CERTIFICATION_REQUESTED',
    service: 'A2',
    summary: { it: 'Richiesta di certificazione della DID inviata al CPI', en: 'DID certification requested from the CPI' },
    fields: [],
    indicators: [],
  },
  {
    type: 'DID_CERTIFIED',
    service: 'A2',
    summary: { it: 'DID certificata (solo CPI)', en: 'DID certified (CPI only)' },
    fields: [],
    indicators: [],
  },
  {
    type: 'PATTO_SIGNED',
    service: 'A2',
    summary: { it: 'Patto di Servizio sottoscritto', en: 'Patto di Servizio signed' },
    fields: [],
    indicators: ['2.2'],
  },
  {
    type: 'PATTO_REFUSED',
    service: 'A2',
    summary: { it: 'Mancata firma del Patto di Servizio: il percorso si chiude', en: 'Patto di Servizio refused: the pathway closes' },
    fields: [reason],
    indicators: [],
  },
  {
    type: 'GUIDANCE_SESSION_HELD',
    service: 'A3',
    summary: { it: 'Colloquio di orientamento di 1° livello svolto', en: 'First-level guidance session held' },
    fields: sessionFields,
    indicators: ['3.1'],
  },
  {
    type: 'PAI_SIGNED',
    service: 'A3',
    summary: { it: 'PAI sottoscritto: apertura del PAI', en: 'PAI signed: the action plan opens' },
    fields: [],
    indicators: ['3.2'],
  },
  {
    type: 'PAI_REFUSED',
    service: 'A3',
    summary: { it: 'Mancata firma del PAI', en: 'PAI refused' },
    fields: [reason],
    indicators: ['3.3'],
  },
  {
    type: 'SPECIFIC_NEED_RECORDED',
    service: 'A4',
    summary: { it: 'Fabbisogno individuale specifico registrato', en: 'Specific individual need recorded' },
    fields: [
      {
        name: 'description',
        type: { kind: 'string' },
        required: true,
        description: { it: 'Il fabbisogno, in parole', en: 'The need, in words' },
      },
    ],
    indicators: [],
  },
  {
    type: 'TRAINING_REFERRED',
    service: 'A3',
    summary: { it: 'Avvio a un corso di formazione', en: 'Started on a training course' },
    fields: [
      {
        name: 'course',
        type: { kind: 'string', maxLength: 300 },
        required: true,
        description: { it: 'Il corso', en: 'The course' },
      },
    ],
    indicators: ['3.4'],
  },
  {
    type: 'TRAINING_ENROLLED',
    service: 'A3',
    summary: { it: 'Iscrizione al corso di formazione', en: 'Enrolled on the training course' },
    fields: [],
    indicators: ['3.5'],
  },
  {
    type: 'TRAINING_COMPLETED',
    service: 'A3',
    summary: { it: 'Corso di formazione concluso', en: 'Training course completed' },
    fields: [],
    indicators: ['3.6'],
  },
  {
    type: 'COUNSELLING_MEETING_HELD',
    service: 'A4',
    summary: { it: 'Incontro di consulenza orientativa svolto', en: 'Specialist counselling meeting held' },
    fields: sessionFields,
    indicators: ['4.1'],
  },
  {
    type: 'COUNSELLING_COMPLETED',
    service: 'A4',
    summary: {
      it: 'Consulenza conclusa: bilancio delle competenze, progetto professionale, PAI aggiornato',
      en: 'Counselling completed: skills assessment, professional project, PAI updated',
    },
    fields: [
      {
        name: 'professionalProject',
        type: { kind: 'string' },
        required: true,
        description: { it: 'Il progetto professionale', en: 'The professional project' },
      },
    ],
    indicators: [],
  },
  {
    type: 'JOB_SEARCH_SESSION_HELD',
    service: 'A5',
    summary: { it: 'Incontro di accompagnamento al lavoro svolto', en: 'Job-search support session held' },
    fields: sessionFields,
    indicators: ['5.1'],
  },
  {
    type: 'TRAINEESHIP_ACTIVATED',
    service: 'A5',
    summary: { it: 'Tirocinio attivato', en: 'Traineeship activated' },
    fields: [
      {
        name: 'host',
        type: { kind: 'string', maxLength: 300 },
        required: true,
        description: { it: 'Soggetto ospitante', en: 'Host organisation' },
      },
    ],
    indicators: ['5.2'],
  },
  {
    type: 'JOB_SEARCH_COMPLETED',
    service: 'A5',
    summary: { it: 'Accompagnamento al lavoro concluso', en: 'Job-search support completed' },
    fields: [],
    indicators: [],
  },
  {
    type: 'MATCHING_SESSION_HELD',
    service: 'A6',
    summary: { it: 'Attività di incontro domanda/offerta svolta', en: 'Job-matching session held' },
    fields: sessionFields,
    indicators: [],
  },
  {
    type: 'CANDIDATE_PRESELECTED',
    service: 'A6',
    summary: { it: 'Preselezione svolta', en: 'Pre-selected' },
    fields: [
      {
        name: 'vacancyId',
        type: { kind: 'string', maxLength: 100, identifier: true },
        required: false,
        description: { it: 'La vacancy, se già individuata', en: 'The vacancy, if already identified' },
      },
    ],
    indicators: ['6.1'],
  },
  {
    type: 'SENT_TO_INTERVIEW',
    service: 'A6',
    summary: { it: 'Inviato a colloquio di selezione', en: 'Sent to a selection interview' },
    fields: [
      {
        name: 'vacancyId',
        type: { kind: 'string', maxLength: 100, identifier: true },
        required: true,
        description: { it: 'La vacancy', en: 'The vacancy' },
      },
      {
        name: 'employerCaseId',
        type: { kind: 'string', maxLength: 100, identifier: true },
        required: false,
        description: {
          it: "Il caso dell'impresa (B.4), per la coerenza 6.2 / 10.1",
          en: "The employer's case (B.4), for the 6.2 / 10.1 consistency check",
        },
      },
    ],
    indicators: ['6.2'],
  },
  {
    type: 'HIRED',
    service: 'A6',
    summary: { it: 'Inserito al lavoro con contratto: il percorso si chiude', en: 'Hired with a contract: the pathway closes' },
    fields: [
      {
        name: 'contractType',
        type: { kind: 'enum', values: CONTRACT_TYPES },
        required: true,
        description: { it: 'Tipo di contratto', en: 'Contract type' },
      },
      {
        name: 'contractStartDate',
        type: { kind: 'date' },
        required: true,
        description: { it: 'Data di avvio del contratto', en: 'Contract start date' },
      },
      {
        name: 'vacancyId',
        type: { kind: 'string', maxLength: 100, identifier: true },
        required: false,
        description: { it: 'La vacancy', en: 'The vacancy' },
      },
    ],
    indicators: ['6.3', '6.4'],
  },
  {
    type: 'TARGET_PROFILE_RECORDED',
    service: null,
    summary: { it: 'Target complessi e bisogno di mediazione registrati', en: 'Complex targets and language-mediation need recorded' },
    fields: [
      {
        name: 'targets',
        type: { kind: 'enumList', values: keysOf(COMPLEX_TARGETS) },
        required: true,
        description: { it: 'Target complessi (anche elenco vuoto)', en: 'Complex targets (an empty list is fine)' },
      },
      {
        name: 'languageMediation',
        type: { kind: 'boolean' },
        required: true,
        description: { it: 'Serve la mediazione interculturale', en: 'Intercultural mediation is needed' },
      },
    ],
    indicators: [],
  },
  {
    type: 'NETWORK_INTEGRATION_RECORDED',
    service: null,
    summary: { it: 'Integrazione con un servizio della rete registrata', en: 'Integration with a network partner recorded' },
    fields: [
      {
        name: 'partner',
        type: { kind: 'enum', values: keysOf(NETWORK_PARTNERS) },
        required: true,
        description: { it: 'Il servizio della rete', en: 'The network partner' },
      },
    ],
    indicators: [],
  },
  {
    type: 'DEDICATED_OPERATOR_ASSIGNED',
    service: null,
    summary: { it: 'Operatore dedicato assegnato', en: 'Dedicated operator assigned' },
    fields: [
      {
        name: 'operatorId',
        type: { kind: 'string', maxLength: 100, identifier: true },
        required: true,
        description: { it: "L'operatore assegnato", en: 'The operator assigned' },
      },
      {
        name: 'competences',
        type: { kind: 'enumList', values: keysOf(OPERATOR_REQUIREMENTS) },
        required: true,
        description: { it: "Requisiti professionali che l'operatore soddisfa", en: 'Professional requirements the operator meets' },
      },
    ],
    indicators: [],
  },
  {
    type: 'TARGETED_PLACEMENT_ENROLLED',
    service: null,
    summary: { it: 'Iscrizione al collocamento mirato, L. 68/99 (solo CPI)', en: 'Enrolled in targeted placement, L. 68/99 (CPI only)' },
    fields: [],
    indicators: [],
  },
  {
    type: 'MOBILITY_LIST_ENROLLED',
    service: null,
    summary: { it: 'Iscrizione alle liste di mobilità, L. 236/93 (solo CPI)', en: 'Enrolled in the mobility lists, L. 236/93 (CPI only)' },
    fields: [],
    indicators: [],
  },
  {
    type: 'PA_HIRING_REFERRED',
    service: null,
    summary: {
      it: 'Avviamento alla pubblica amministrazione, art. 16 L. 56/87 (solo CPI)',
      en: 'Referred for hiring into the public administration, art. 16 L. 56/87 (CPI only)',
    },
    fields: [],
    indicators: [],
  },
  {
    type: 'WITHDRAWN',
    service: null,
    summary: { it: 'La persona esce dal percorso: il caso si chiude', en: 'The person leaves the pathway: the case closes' },
    fields: [reason],
    indicators: [],
  },
] as const satisfies readonly EventSpec[];

/** The pathway's events, a union discriminated by `type`, typed from the catalogue above. */
export type PersonEvent = EventsOf<(typeof events)[number]>;

export const PERSON_EVENTS: Record<string, EventSpec> = Object.fromEntries(events.map((e) => [e.type, e]));

export const PERSON_INPUT_FIELDS: FieldSpec[] = [
  {
    name: 'targets',
    type: { kind: 'enumList', values: Object.keys(COMPLEX_TARGETS) },
    required: false,
    description: { it: 'Target complessi noti all’apertura', en: 'Complex targets known when the case opens' },
  },
  {
    name: 'languageMediation',
    type: { kind: 'boolean' },
    required: false,
    description: { it: 'Serve la mediazione interculturale', en: 'Intercultural mediation is needed' },
  },
];
