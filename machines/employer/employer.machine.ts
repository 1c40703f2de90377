import { assertEvent, setup } from 'xstate';
import {
  emptyPatto,
  emptyServiceRecord,
  type CaseContextBase,
  type CaseEvent,
  type Outcome,
  type PattoRecord,
  type ServiceRecord,
} from '../case.js';
import { commonGuards, guardImplementations, type GuardCatalogue } from '../guards.js';
import { EMPLOYER_SERVICES, type EmployerServiceKey } from '../repertory.js';
import { accessGuards, assigner, checks, completionGuards, serviceActions, sessionGuards, startedGuard } from '../rules.js';
import { EMPLOYER_EVENTS, type EmployerEvent } from './employer.events.js';

export const EMPLOYER_MACHINE_VERSION = '1.0.0';

export interface Vacancy {
  vacancyId: string;
  profile: string;
  positions: number;
  recordedAt: string;
}

export interface EmployerContext extends CaseContextBase {
  services: Record<EmployerServiceKey, ServiceRecord>;
  contact: { at: string; channel: string } | null;
  interestExpressedAt: string | null;
  vacanciesDetected: number;
  companyRecordUpdatedAt: string | null;
  vacancies: Vacancy[];
  patto: PattoRecord;
  actionPlanOpenedAt: string | null;
  consultingTopics: string[];
  candidates: { at: string; vacancyId: string; personCaseId: string | null }[];
  hiringDeclarations: { at: string; vacancyId: string }[];
  hires: { at: string; vacancyId: string; personCaseId: string | null }[];
  feedback: { at: string; vacancyId: string; feedback: string }[];
  outcome: Outcome | null;
}

export const initialEmployerContext = (): EmployerContext => ({
  services: Object.fromEntries(EMPLOYER_SERVICES.map((k) => [k, emptyServiceRecord()])) as Record<EmployerServiceKey, ServiceRecord>,
  contact: null,
  interestExpressedAt: null,
  vacanciesDetected: 0,
  companyRecordUpdatedAt: null,
  vacancies: [],
  patto: emptyPatto(),
  actionPlanOpenedAt: null,
  consultingTopics: [],
  candidates: [],
  hiringDeclarations: [],
  hires: [],
  feedback: [],
  outcome: null,
});

const update = assigner<EmployerContext, EmployerEvent>();
// Guards read the event as received: a vacancy id only if it is a string.
const vacancyOf = (event: CaseEvent) => (typeof event.vacancyId === 'string' ? event.vacancyId : null);

const employerGuards: GuardCatalogue<EmployerContext> = {
  scoutingMeetingHeld: {
    code: 'SCOUTING_MEETING_NOT_HELD',
    reads: 'case',
    label: { it: 'incontro di scouting tenuto', en: 'scouting meeting held' },
    message: {
      it: "Non risulta alcun incontro di scouting con l'impresa (B.1, almeno 30 minuti).",
      en: 'No scouting meeting with the company is on record (B.1, at least 30 minutes).',
    },
    check: ({ context }) => context.services.B1.sessions.length > 0,
  },
  companyRecordUpdated: {
    code: 'COMPANY_RECORD_NOT_UPDATED',
    reads: 'case',
    label: { it: 'scheda aziendale compilata', en: 'company record filled in' },
    message: {
      it: 'La scheda aziendale non è stata compilata.',
      en: 'The company record (scheda aziendale) has not been filled in.',
    },
    check: ({ context }) => context.companyRecordUpdatedAt !== null,
  },
  pattoNotSigned: {
    code: 'PATTO_ALREADY_SIGNED',
    reads: 'case',
    label: { it: 'Patto non ancora firmato', en: 'Patto not yet signed' },
    message: { it: 'Il Patto di Servizio è già stato sottoscritto il {date}.', en: 'The Patto di Servizio was already signed on {date}.' },
    check: ({ context }) => context.patto.signedAt === null,
    vars: ({ context }) => ({ date: context.patto.signedAt ?? '' }),
  },
  vacancyRecorded: {
    code: 'VACANCY_NOT_RECORDED',
    reads: 'event',
    label: { it: 'vacancy registrata', en: 'vacancy recorded' },
    message: {
      it: 'La vacancy "{vacancyId}" non è registrata per questa impresa (B.2).',
      en: 'Vacancy "{vacancyId}" is not recorded for this company (B.2).',
    },
    check: ({ context, event }) => context.vacancies.some((v) => v.vacancyId === vacancyOf(event)),
    vars: ({ event }) => ({ vacancyId: String(event.vacancyId) }),
  },
  vacancyNotRecorded: {
    code: 'VACANCY_ALREADY_RECORDED',
    reads: 'event',
    label: { it: 'vacancy non ancora registrata', en: 'vacancy not yet recorded' },
    message: { it: 'La vacancy "{vacancyId}" è già registrata.', en: 'Vacancy "{vacancyId}" is already recorded.' },
    check: ({ context, event }) => !context.vacancies.some((v) => v.vacancyId === vacancyOf(event)),
    vars: ({ event }) => ({ vacancyId: String(event.vacancyId) }),
  },
  candidatePutForward: {
    code: 'NO_CANDIDATE_PUT_FORWARD',
    reads: 'event',
    label: { it: 'candidato segnalato per la vacancy', en: 'candidate put forward for the vacancy' },
    message: {
      it: 'Nessun candidato è stato segnalato per la vacancy "{vacancyId}".',
      en: 'No candidate has been put forward for vacancy "{vacancyId}".',
    },
    check: ({ context, event }) => context.candidates.some((c) => c.vacancyId === vacancyOf(event)),
    vars: ({ event }) => ({ vacancyId: String(event.vacancyId) }),
  },
  feedbackRecorded: {
    code: 'FEEDBACK_NOT_RECORDED',
    reads: 'case',
    label: { it: "feedback dell'impresa raccolto", en: "employer's feedback collected" },
    message: {
      it: "Il feedback dell'impresa sui candidati non è stato raccolto.",
      en: "The employer's feedback on the candidates has not been collected.",
    },
    check: ({ context }) => context.feedback.length > 0,
  },
};

const guards = { ...commonGuards(EMPLOYER_EVENTS), ...employerGuards } as GuardCatalogue<EmployerContext>;
export const EMPLOYER_GUARDS = guards;

const service = (key: EmployerServiceKey) => ({ service: key });

/**
 * The employer pathway (Tipologia B). Each service is a parallel region; B.3 and B.4 are
 * reached only through the access rules of the repertory. Actions read typed fields: every
 * transition's guard starts with the payload guard, which checks the event against its catalogue
 * entry, so an action only runs on an event of EmployerEvent's shape (`assertEvent` narrows the union).
 */
export const employerMachine = setup({
  types: {
    context: {} as EmployerContext,
    events: {} as EmployerEvent,
  },
  guards: guardImplementations(guards),
  actions: {
    ...serviceActions<EmployerContext, EmployerEvent>(),
    contacted: update(({ event }) => {
      assertEvent(event, 'COMPANY_CONTACTED');
      return { contact: { at: event.at, channel: event.channel } };
    }),
    vacanciesDetected: update(({ context, event }) => {
      assertEvent(event, 'VACANCIES_DETECTED');
      return { vacanciesDetected: context.vacanciesDetected + event.count };
    }),
    interestExpressed: update(({ event }) => ({ interestExpressedAt: event.at })),
    companyRecordUpdated: update(({ event }) => ({ companyRecordUpdatedAt: event.at })),
    vacancyRecorded: update(({ context, event }) => {
      assertEvent(event, 'VACANCY_RECORDED');
      return {
        vacancies: [
          ...context.vacancies,
          { vacancyId: event.vacancyId, profile: event.profile, positions: event.positions, recordedAt: event.at },
        ],
      };
    }),
    pattoSigned: update(({ context, event }) => ({ patto: { ...context.patto, signedAt: event.at } })),
    pattoRefused: update(({ context, event }) => {
      assertEvent(event, 'PATTO_REFUSED');
      return { patto: { ...context.patto, refusedAt: event.at, refusalReason: event.reason } };
    }),
    actionPlanOpened: update(({ event }) => ({ actionPlanOpenedAt: event.at })),
    consultingTopic: update(({ context, event }) => {
      assertEvent(event, 'CONSULTING_SESSION_HELD');
      return { consultingTopics: [...context.consultingTopics, event.topic] };
    }),
    candidatePutForward: update(({ context, event }) => {
      assertEvent(event, 'CANDIDATE_PUT_FORWARD');
      return {
        candidates: [...context.candidates, { at: event.at, vacancyId: event.vacancyId, personCaseId: event.personCaseId ?? null }],
      };
    }),
    hiringDeclared: update(({ context, event }) => {
      assertEvent(event, 'HIRING_DECLARED');
      return { hiringDeclarations: [...context.hiringDeclarations, { at: event.at, vacancyId: event.vacancyId }] };
    }),
    candidateHired: update(({ context, event }) => {
      assertEvent(event, 'CANDIDATE_HIRED');
      return { hires: [...context.hires, { at: event.at, vacancyId: event.vacancyId, personCaseId: event.personCaseId ?? null }] };
    }),
    feedbackRecorded: update(({ context, event }) => {
      assertEvent(event, 'EMPLOYER_FEEDBACK_RECORDED');
      return { feedback: [...context.feedback, { at: event.at, vacancyId: event.vacancyId, feedback: event.feedback }] };
    }),
  },
}).createMachine({
  id: 'employer',
  context: () => initialEmployerContext(),
  initial: 'open',
  states: {
    open: {
      type: 'parallel',
      on: {
        COMPANY_RECORD_UPDATED: { guard: checks(startedGuard('B2')), actions: 'companyRecordUpdated' },
        VACANCY_RECORDED: { guard: checks(startedGuard('B2'), 'vacancyNotRecorded'), actions: 'vacancyRecorded' },
        CASE_CLOSED: { target: 'closed', guard: checks(), actions: { type: 'close', params: { outcome: 'closed' } } },
        WITHDRAWN: { target: 'withdrawn', guard: checks(), actions: { type: 'close', params: { outcome: 'withdrawn' } } },
      },
      states: {
        // B.1: the company is reached by the network; a meeting of at least 30 minutes
        B1: {
          meta: { service: 'B1' },
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                COMPANY_CONTACTED: {
                  target: 'active',
                  guard: checks(...accessGuards('B1')),
                  actions: ['contacted', { type: 'startService', params: service('B1') }],
                },
              },
            },
            active: {
              on: {
                SCOUTING_MEETING_HELD: { guard: checks(...sessionGuards('B1')), actions: { type: 'recordSession', params: service('B1') } },
                VACANCIES_DETECTED: { guard: checks('scoutingMeetingHeld'), actions: 'vacanciesDetected' },
                INTEREST_EXPRESSED: {
                  target: 'completed',
                  guard: checks(...completionGuards('B1'), 'scoutingMeetingHeld'),
                  actions: ['interestExpressed', { type: 'completeService', params: service('B1') }],
                },
              },
            },
            completed: {},
          },
        },
        // B.2: directly or together with B.1; at least 30 minutes; company record, vacancies, Patto, action plan
        B2: {
          meta: { service: 'B2' },
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                EMPLOYER_INTAKE_HELD: {
                  target: 'active',
                  guard: checks(...accessGuards('B2'), ...sessionGuards('B2')),
                  actions: { type: 'recordSession', params: service('B2') },
                },
              },
            },
            active: {
              on: {
                EMPLOYER_INTAKE_HELD: { guard: checks(...sessionGuards('B2')), actions: { type: 'recordSession', params: service('B2') } },
                PATTO_SIGNED: { guard: checks('companyRecordUpdated', 'pattoNotSigned'), actions: 'pattoSigned' },
                // A refused Patto stops the pathway, and stays on record.
                PATTO_REFUSED: {
                  target: '#employer.pattoRefused',
                  guard: checks('pattoNotSigned'),
                  actions: ['pattoRefused', { type: 'close', params: { outcome: 'patto_refused' } }],
                },
                ACTION_PLAN_OPENED: {
                  target: 'completed',
                  guard: checks(...completionGuards('B2'), 'pattoSigned'),
                  actions: ['actionPlanOpened', { type: 'completeService', params: service('B2') }],
                },
              },
            },
            completed: {},
          },
        },
        // B.3: only after B.2 and a signed Patto; duration varies
        B3: {
          meta: { service: 'B3' },
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                CONSULTING_SESSION_HELD: {
                  target: 'active',
                  guard: checks(...accessGuards('B3'), ...sessionGuards('B3')),
                  actions: [{ type: 'recordSession', params: service('B3') }, 'consultingTopic'],
                },
              },
            },
            active: {
              on: {
                CONSULTING_SESSION_HELD: {
                  guard: checks(...sessionGuards('B3')),
                  actions: [{ type: 'recordSession', params: service('B3') }, 'consultingTopic'],
                },
                CONSULTING_COMPLETED: {
                  target: 'completed',
                  guard: checks(...completionGuards('B3')),
                  actions: { type: 'completeService', params: service('B3') },
                },
              },
            },
            completed: {},
          },
        },
        // B.4: only after B.1, B.2 and a signed Patto; back office
        B4: {
          meta: { service: 'B4' },
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                CANDIDATE_PUT_FORWARD: {
                  target: 'active',
                  guard: checks(...accessGuards('B4'), 'vacancyRecorded'),
                  actions: ['candidatePutForward', { type: 'startService', params: service('B4') }],
                },
              },
            },
            active: {
              on: {
                CANDIDATE_PUT_FORWARD: { guard: checks('vacancyRecorded'), actions: 'candidatePutForward' },
                HIRING_DECLARED: { guard: checks('vacancyRecorded', 'candidatePutForward'), actions: 'hiringDeclared' },
                CANDIDATE_HIRED: { guard: checks('vacancyRecorded', 'candidatePutForward'), actions: 'candidateHired' },
                EMPLOYER_FEEDBACK_RECORDED: { guard: checks('vacancyRecorded', 'candidatePutForward'), actions: 'feedbackRecorded' },
                MATCHING_COMPLETED: {
                  target: 'completed',
                  guard: checks(...completionGuards('B4'), 'feedbackRecorded'),
                  actions: { type: 'completeService', params: service('B4') },
                },
              },
            },
            completed: {},
          },
        },
      },
    },
    closed: { type: 'final', meta: { outcome: 'closed' } },
    withdrawn: { type: 'final', meta: { outcome: 'withdrawn' } },
    pattoRefused: { type: 'final', meta: { outcome: 'patto_refused' } },
  },
});
