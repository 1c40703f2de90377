import { assertEvent, setup } from 'xstate';
import {
  emptyPatto,
  emptyServiceRecord,
  msOf,
  sessionOf,
  type CaseContextBase,
  type Outcome,
  type PattoRecord,
  type ServiceRecord,
} from '../case.js';
import { commonGuards, guardImplementations, type GuardCatalogue } from '../guards.js';
import {
  COMPLEX_TARGETS,
  LIMITS,
  PERSON_SERVICES,
  type ComplexTarget,
  type CpiOnlyAct,
  type DeadlineGroup,
  type NetworkPartner,
  type OperatorRequirement,
  type PersonServiceKey,
} from '../repertory.js';
import { accessGuards, assigner, checks, completionGuards, serviceActions, sessionGuards, startedGuard } from '../rules.js';
import { PERSON_EVENTS, type PersonEvent } from './person.events.js';

export const PERSON_MACHINE_VERSION = '1.0.0';

export interface PersonContext extends CaseContextBase {
  services: Record<PersonServiceKey, ServiceRecord>;
  referrals: { at: string; to: string; externalService: string | null }[];
  registryUpdatedAt: string | null;
  did: {
    date: string;
    group: DeadlineGroup;
    receivedAt: string;
    certificationRequestedAt: string | null;
    certifiedAt: string | null;
  } | null;
  patto: PattoRecord;
  pai: { signedAt: string | null; refusedAt: string | null; refusalReason: string | null; updatedAt: string | null };
  specificNeed: { description: string; recordedAt: string } | null;
  professionalProject: string | null;
  training: { course: string; referredAt: string; enrolledAt: string | null; completedAt: string | null }[];
  traineeships: { at: string; host: string }[];
  preselections: { at: string; vacancyId: string | null }[];
  interviews: { at: string; vacancyId: string; employerCaseId: string | null }[];
  hire: { at: string; contractType: string; contractStartDate: string; vacancyId: string | null } | null;
  targets: ComplexTarget[];
  languageMediation: boolean;
  networkIntegrations: { partner: NetworkPartner; at: string }[];
  operatorCompetences: { requirement: OperatorRequirement; operatorId: string; at: string }[];
  cpiActs: { act: CpiOnlyAct; at: string; operatorId: string }[];
  outcome: Outcome | null;
}

export interface PersonInput {
  targets?: ComplexTarget[];
  languageMediation?: boolean;
}

export const initialPersonContext = (input: PersonInput = {}): PersonContext => ({
  services: Object.fromEntries(PERSON_SERVICES.map((k) => [k, emptyServiceRecord()])) as Record<PersonServiceKey, ServiceRecord>,
  referrals: [],
  registryUpdatedAt: null,
  did: null,
  patto: emptyPatto(),
  pai: { signedAt: null, refusedAt: null, refusalReason: null, updatedAt: null },
  specificNeed: null,
  professionalProject: null,
  training: [],
  traineeships: [],
  preselections: [],
  interviews: [],
  hire: null,
  targets: input.targets ?? [],
  languageMediation: input.languageMediation ?? false,
  networkIntegrations: [],
  operatorCompetences: [],
  cpiActs: [],
  outcome: null,
});

const update = assigner<PersonContext, PersonEvent>();

const didMs = (context: PersonContext): number => (context.did ? msOf(context.did.date) : Number.NaN);

const personGuards: GuardCatalogue<PersonContext> = {
  didReceived: {
    code: 'DID_NOT_RECEIVED',
    reads: 'case',
    label: { it: 'DID recepita', en: 'DID received' },
    message: {
      it: 'La DID non è stata recepita: registrarla prima.',
      en: 'The DID (declaration of availability) has not been received: record it first.',
    },
    check: ({ context }) => context.did !== null,
  },
  didNotReceived: {
    code: 'DID_ALREADY_RECEIVED',
    reads: 'case',
    label: { it: 'DID non ancora recepita', en: 'DID not yet received' },
    message: { it: 'La DID è già stata recepita il {date}.', en: 'The DID was already received on {date}.' },
    check: ({ context }) => context.did === null,
    vars: ({ context }) => ({ date: context.did?.date ?? '' }),
  },
  didDateNotAfterAct: {
    code: 'DID_DATE_AFTER_ACT',
    reads: 'event',
    label: { it: "data della DID non successiva all'atto", en: 'DID date not after the act' },
    message: {
      it: 'La data della DID ({didDate}) non può essere successiva alla data in cui viene recepita ({at}).',
      en: 'The DID date ({didDate}) cannot be later than the day it is received ({at}).',
    },
    check: ({ event }) => !(msOf(event.didDate) > msOf(event.at)),
    vars: ({ event }) => ({ didDate: String(event.didDate), at: String(event.at) }),
  },
  didCertificationRequested: {
    code: 'DID_CERTIFICATION_NOT_REQUESTED',
    reads: 'case',
    label: { it: 'certificazione della DID richiesta al CPI', en: 'DID certification requested from the CPI' },
    message: {
      it: 'La richiesta di certificazione della DID al CPI non è stata inviata.',
      en: 'The DID certification has not been requested from the CPI.',
    },
    check: ({ context }) => context.did?.certificationRequestedAt != null,
  },
  didCertificationNotRequested: {
    code: 'DID_CERTIFICATION_ALREADY_REQUESTED',
    reads: 'case',
    label: { it: 'certificazione della DID non ancora richiesta', en: 'DID certification not yet requested' },
    message: { it: 'La certificazione della DID è già stata richiesta.', en: 'The DID certification has already been requested.' },
    check: ({ context }) => context.did?.certificationRequestedAt == null,
  },
  didNotCertified: {
    code: 'DID_ALREADY_CERTIFIED',
    reads: 'case',
    label: { it: 'DID non ancora certificata', en: 'DID not yet certified' },
    message: { it: 'La DID è già certificata.', en: 'The DID is already certified.' },
    check: ({ context }) => context.did?.certifiedAt == null,
  },
  registryUpdated: {
    code: 'REGISTRY_NOT_UPDATED',
    reads: 'case',
    label: { it: 'scheda anagrafico-professionale aggiornata', en: 'registry record updated' },
    message: {
      it: 'La scheda anagrafico-professionale non è stata registrata o aggiornata.',
      en: 'The registry record (scheda anagrafico-professionale) has not been registered or updated.',
    },
    check: ({ context }) => context.registryUpdatedAt !== null,
  },
  dateNotBeforeDid: {
    code: 'DATE_BEFORE_DID',
    reads: 'event',
    label: { it: 'data non precedente alla DID', en: 'date not before the DID' },
    message: {
      it: "La data dell'atto ({at}) precede la DID ({didDate}).",
      en: 'The date of the act ({at}) is before the DID ({didDate}).',
    },
    check: ({ context, event }) => !(msOf(event.at) < didMs(context)),
    vars: ({ context, event }) => ({ at: String(event.at), didDate: context.did?.date ?? '' }),
  },
  specificNeedRecorded: {
    code: 'SPECIFIC_NEED_NOT_RECORDED',
    reads: 'case',
    label: { it: 'fabbisogno specifico registrato', en: 'specific need recorded' },
    message: {
      it: 'La consulenza orientativa (A.4) si attiva solo su uno specifico fabbisogno individuale: registrarlo prima.',
      en: 'Specialist counselling (A.4) is only for a specific individual need: record the need first.',
    },
    check: ({ context }) => context.specificNeed !== null,
  },
  paiSigned: {
    code: 'PAI_NOT_SIGNED',
    reads: 'case',
    label: { it: 'PAI firmato', en: 'PAI signed' },
    message: {
      it: 'Il Piano di Azione Individuale (PAI) non è stato sottoscritto.',
      en: 'The individual action plan (PAI) has not been signed.',
    },
    check: ({ context }) => context.pai.signedAt !== null,
  },
  paiNotRefused: {
    code: 'PAI_REFUSED',
    reads: 'case',
    label: { it: 'PAI non rifiutato', en: 'PAI not refused' },
    message: {
      it: 'La persona non ha sottoscritto il PAI ({date}): i servizi che vi si registrano non sono erogabili.',
      en: 'The person refused the PAI ({date}): services recorded in it cannot be delivered.',
    },
    check: ({ context }) => context.pai.refusedAt === null,
    vars: ({ context }) => ({ date: context.pai.refusedAt ?? '' }),
  },
  preselected: {
    code: 'NOT_PRESELECTED',
    reads: 'case',
    label: { it: 'persona preselezionata', en: 'person pre-selected' },
    message: {
      it: 'La persona non è stata preselezionata: prima la preselezione, poi il colloquio.',
      en: 'The person has not been pre-selected: pre-selection comes before the interview.',
    },
    check: ({ context }) => context.preselections.length > 0,
  },
  sentToInterview: {
    code: 'NOT_SENT_TO_INTERVIEW',
    reads: 'case',
    label: { it: 'inviata a un colloquio di selezione', en: 'sent to a selection interview' },
    message: {
      it: 'La persona non è stata inviata ad alcun colloquio di selezione.',
      en: 'The person has not been sent to any selection interview.',
    },
    check: ({ context }) => context.interviews.length > 0,
  },
  contractStartPlausible: {
    code: 'CONTRACT_START_OUT_OF_RANGE',
    reads: 'event',
    label: { it: 'avvio del contratto plausibile', en: 'plausible contract start date' },
    message: {
      it: "La data di avvio del contratto ({start}) non può precedere la DID e può seguire l'assunzione di al più {days} giorni.",
      en: 'The contract start date ({start}) cannot be before the DID, nor more than {days} days after the hiring.',
    },
    check: ({ context, event }) => {
      const start = msOf(event.contractStartDate);
      return !(start < didMs(context)) && !(start > msOf(event.at) + LIMITS.maxContractStartDays * 86_400_000);
    },
    vars: ({ event }) => ({ start: String(event.contractStartDate), days: LIMITS.maxContractStartDays }),
  },
  targetFlagged: {
    code: 'TARGET_NOT_FLAGGED',
    reads: 'case',
    label: { it: 'target "{target}" registrato', en: 'target "{target}" recorded' },
    message: {
      it: 'Questo atto riguarda il target "{target}", che non è registrato sul caso.',
      en: 'This act is for the target "{target}", which is not recorded on the case.',
    },
    check: ({ context }, params) => params.target !== undefined && context.targets.includes(params.target),
    vars: (_args, params) => (params.target ? { target: COMPLEX_TARGETS[params.target].name } : {}),
  },
  complexTargetFlagged: {
    code: 'NO_COMPLEX_TARGET',
    reads: 'case',
    label: { it: 'target complesso registrato', en: 'complex target recorded' },
    message: {
      it: 'Il caso non ha target complessi registrati: queste precondizioni non si applicano.',
      en: 'The case has no complex target recorded: these preconditions do not apply.',
    },
    check: ({ context }) => context.targets.length > 0,
  },
};

const service = (key: PersonServiceKey) => ({ service: key });
const cpiOnly = (act: CpiOnlyAct) => ({ type: 'operatorIsCpi', params: { act } });

const updateTraining = (context: PersonContext, change: Partial<PersonContext['training'][number]>) =>
  context.training.map((t, i) => (i === context.training.length - 1 ? { ...t, ...change } : t));

const guards = { ...commonGuards(PERSON_EVENTS), ...personGuards } as GuardCatalogue<PersonContext>;

export const PERSON_GUARDS = guards;

/**
 * The person pathway (Tipologia A). Each service is a parallel region, so services the standard
 * lets run "together with" each other can; access rules are named guards that read the repertory.
 * Actions read typed fields: every transition's guard starts with the payload guard, which checks the
 * event against its catalogue entry, so an action only runs on an event of PersonEvent's shape;
 * `assertEvent` narrows the union to the event an action is written for.
 */
export const personMachine = setup({
  types: {
    context: {} as PersonContext,
    events: {} as PersonEvent,
    input: {},
  },
  guards: guardImplementations(guards),
  actions: {
    ...serviceActions<PersonContext, PersonEvent>(),
    informed: update(({ context, event }) => {
      assertEvent(event, 'INFORMATION_GIVEN');
      return {
        referrals: [...context.referrals, { at: event.at, to: event.referral, externalService: event.externalService ?? null }],
        services: {
          ...context.services,
          A1: {
            startedAt: context.services.A1.startedAt ?? event.at,
            completedAt: context.services.A1.completedAt ?? event.at,
            sessions: [...context.services.A1.sessions, { ...sessionOf(event), mode: 'individual' as const }],
          },
        },
      };
    }),
    registryUpdated: update(({ event }) => ({ registryUpdatedAt: event.at })),
    didReceived: update(({ event }) => {
      assertEvent(event, 'DID_RECEIVED');
      return {
        did: { date: event.didDate, group: event.deadlineGroup, receivedAt: event.at, certificationRequestedAt: null, certifiedAt: null },
      };
    }),
    didCertificationRequested: update(({ context, event }) => ({
      did: context.did && { ...context.did, certificationRequestedAt: event.at },
    })),
    didCertified: update(({ context, event }) => ({ did: context.did && { ...context.did, certifiedAt: event.at } })),
    pattoSigned: update(({ context, event }) => ({ patto: { ...context.patto, signedAt: event.at } })),
    pattoRefused: update(({ context, event }) => {
      assertEvent(event, 'PATTO_REFUSED');
      return { patto: { ...context.patto, refusedAt: event.at, refusalReason: event.reason } };
    }),
    paiSigned: update(({ context, event }) => ({ pai: { ...context.pai, signedAt: event.at } })),
    paiRefused: update(({ context, event }) => {
      assertEvent(event, 'PAI_REFUSED');
      return { pai: { ...context.pai, refusedAt: event.at, refusalReason: event.reason } };
    }),
    specificNeedRecorded: update(({ event }) => {
      assertEvent(event, 'SPECIFIC_NEED_RECORDED');
      return { specificNeed: { description: event.description, recordedAt: event.at } };
    }),
    trainingReferred: update(({ context, event }) => {
      assertEvent(event, 'TRAINING_REFERRED');
      return { training: [...context.training, { course: event.course, referredAt: event.at, enrolledAt: null, completedAt: null }] };
    }),
    trainingEnrolled: update(({ context, event }) => ({ training: updateTraining(context, { enrolledAt: event.at }) })),
    trainingCompleted: update(({ context, event }) => ({ training: updateTraining(context, { completedAt: event.at }) })),
    // A.4 output: skills assessment and professional project; the PAI is updated
    counsellingCompleted: update(({ context, event }) => {
      assertEvent(event, 'COUNSELLING_COMPLETED');
      return { professionalProject: event.professionalProject, pai: { ...context.pai, updatedAt: event.at } };
    }),
    traineeshipActivated: update(({ context, event }) => {
      assertEvent(event, 'TRAINEESHIP_ACTIVATED');
      return { traineeships: [...context.traineeships, { at: event.at, host: event.host }] };
    }),
    preselected: update(({ context, event }) => {
      assertEvent(event, 'CANDIDATE_PRESELECTED');
      return { preselections: [...context.preselections, { at: event.at, vacancyId: event.vacancyId ?? null }] };
    }),
    sentToInterview: update(({ context, event }) => {
      assertEvent(event, 'SENT_TO_INTERVIEW');
      return {
        interviews: [...context.interviews, { at: event.at, vacancyId: event.vacancyId, employerCaseId: event.employerCaseId ?? null }],
      };
    }),
    hired: update(({ event }) => {
      assertEvent(event, 'HIRED');
      return {
        hire: {
          at: event.at,
          contractType: event.contractType,
          contractStartDate: event.contractStartDate,
          vacancyId: event.vacancyId ?? null,
        },
      };
    }),
    targetProfileRecorded: update(({ event }) => {
      assertEvent(event, 'TARGET_PROFILE_RECORDED');
      return { targets: [...event.targets], languageMediation: event.languageMediation };
    }),
    networkIntegrationRecorded: update(({ context, event }) => {
      assertEvent(event, 'NETWORK_INTEGRATION_RECORDED');
      return { networkIntegrations: [...context.networkIntegrations, { partner: event.partner, at: event.at }] };
    }),
    dedicatedOperatorAssigned: update(({ context, event }) => {
      assertEvent(event, 'DEDICATED_OPERATOR_ASSIGNED');
      return {
        operatorCompetences: [
          ...context.operatorCompetences,
          ...event.competences.map((requirement) => ({ requirement, operatorId: event.operatorId, at: event.at })),
        ],
      };
    }),
    cpiActRecorded: update<{ act: CpiOnlyAct }>(({ context, event }, params: { act: CpiOnlyAct }) => ({
      cpiActs: [...context.cpiActs, { act: params.act, at: event.at, operatorId: event.operator.id }],
    })),
  },
}).createMachine({
  id: 'person',
  context: ({ input }) => initialPersonContext(input),
  initial: 'open',
  states: {
    open: {
      type: 'parallel',
      on: {
        REGISTRY_UPDATED: { guard: checks(startedGuard('A2')), actions: 'registryUpdated' },
        DID_RECEIVED: {
          guard: checks(startedGuard('A2'), 'didNotReceived', 'didDateNotAfterAct'),
          actions: 'didReceived',
        },
        DID_CERTIFICATION_REQUESTED: {
          guard: checks('didReceived', 'didCertificationNotRequested'),
          actions: 'didCertificationRequested',
        },
        // Only a CPI certifies the DID (D.Lgs. 181/2000); the request can come from any operator.
        DID_CERTIFIED: {
          guard: checks(cpiOnly('did_certification'), 'didCertificationRequested', 'didNotCertified'),
          actions: ['didCertified', { type: 'cpiActRecorded', params: { act: 'did_certification' } }],
        },
        SPECIFIC_NEED_RECORDED: { guard: checks(startedGuard('A3'), 'dateNotBeforeDid'), actions: 'specificNeedRecorded' },
        TARGET_PROFILE_RECORDED: { guard: checks(), actions: 'targetProfileRecorded' },
        NETWORK_INTEGRATION_RECORDED: { guard: checks('complexTargetFlagged'), actions: 'networkIntegrationRecorded' },
        DEDICATED_OPERATOR_ASSIGNED: { guard: checks('complexTargetFlagged'), actions: 'dedicatedOperatorAssigned' },
        // CPI-exclusive acts: L. 68/99, L. 236/93, art. 16 L. 56/87
        TARGETED_PLACEMENT_ENROLLED: {
          guard: checks(cpiOnly('targeted_placement'), { type: 'targetFlagged', params: { target: 'disabled' } }),
          actions: { type: 'cpiActRecorded', params: { act: 'targeted_placement' } },
        },
        MOBILITY_LIST_ENROLLED: {
          guard: checks(cpiOnly('mobility_list')),
          actions: { type: 'cpiActRecorded', params: { act: 'mobility_list' } },
        },
        PA_HIRING_REFERRED: {
          guard: checks(cpiOnly('public_administration_hiring')),
          actions: { type: 'cpiActRecorded', params: { act: 'public_administration_hiring' } },
        },
        WITHDRAWN: { target: 'withdrawn', guard: checks(), actions: { type: 'close', params: { outcome: 'withdrawn' } } },
      },
      states: {
        // A.1: from any point of the network; its output is a referral
        A1: {
          meta: { service: 'A1' },
          initial: 'notStarted',
          states: {
            notStarted: { on: { INFORMATION_GIVEN: { target: 'completed', guard: checks(), actions: 'informed' } } },
            completed: { on: { INFORMATION_GIVEN: { guard: checks(), actions: 'informed' } } },
          },
        },
        // A.2: directly or together with A.1
        A2: {
          meta: { service: 'A2' },
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                INTAKE_SESSION_HELD: {
                  target: 'active',
                  guard: checks(...accessGuards('A2'), ...sessionGuards('A2')),
                  actions: { type: 'recordSession', params: service('A2') },
                },
              },
            },
            active: {
              on: {
                INTAKE_SESSION_HELD: {
                  guard: checks(...sessionGuards('A2')),
                  actions: { type: 'recordSession', params: service('A2') },
                },
                PATTO_SIGNED: {
                  target: 'completed',
                  guard: checks(...completionGuards('A2'), 'registryUpdated', 'didReceived', 'didCertificationRequested'),
                  actions: ['pattoSigned', { type: 'completeService', params: service('A2') }],
                },
                // A refused Patto stops the pathway, and stays on record.
                PATTO_REFUSED: {
                  target: '#person.pattoRefused',
                  guard: checks(),
                  actions: ['pattoRefused', { type: 'close', params: { outcome: 'patto_refused' } }],
                },
              },
            },
            completed: {},
          },
        },
        // A.3: only after intake and a signed Patto; individual sessions of at least 1 hour
        A3: {
          meta: { service: 'A3' },
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                GUIDANCE_SESSION_HELD: {
                  target: 'active',
                  guard: checks(...accessGuards('A3'), ...sessionGuards('A3'), 'dateNotBeforeDid'),
                  actions: { type: 'recordSession', params: service('A3') },
                },
              },
            },
            active: {
              on: {
                GUIDANCE_SESSION_HELD: {
                  guard: checks(...sessionGuards('A3'), 'dateNotBeforeDid'),
                  actions: { type: 'recordSession', params: service('A3') },
                },
                PAI_SIGNED: {
                  target: 'completed',
                  guard: checks(...completionGuards('A3'), 'dateNotBeforeDid'),
                  actions: ['paiSigned', { type: 'completeService', params: service('A3') }],
                },
                PAI_REFUSED: {
                  target: 'completed',
                  guard: checks(...completionGuards('A3'), 'dateNotBeforeDid'),
                  actions: ['paiRefused', { type: 'completeService', params: service('A3') }],
                },
              },
            },
            completed: {},
          },
        },
        // A.3 outputs 3.4-3.6: a training course referred, enrolled, completed
        training: {
          initial: 'none',
          states: {
            none: {
              on: {
                TRAINING_REFERRED: { target: 'referred', guard: checks('paiSigned', 'dateNotBeforeDid'), actions: 'trainingReferred' },
              },
            },
            referred: { on: { TRAINING_ENROLLED: { target: 'enrolled', guard: checks('dateNotBeforeDid'), actions: 'trainingEnrolled' } } },
            enrolled: {
              on: { TRAINING_COMPLETED: { target: 'completed', guard: checks('dateNotBeforeDid'), actions: 'trainingCompleted' } },
            },
            completed: {
              on: {
                TRAINING_REFERRED: { target: 'referred', guard: checks('paiSigned', 'dateNotBeforeDid'), actions: 'trainingReferred' },
              },
            },
          },
        },
        // A.4: only after A.3 and on a specific need; at least two individual meetings of 1 hour; updates the PAI
        A4: {
          meta: { service: 'A4' },
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                COUNSELLING_MEETING_HELD: {
                  target: 'active',
                  guard: checks(...accessGuards('A4'), 'paiSigned', ...sessionGuards('A4'), 'dateNotBeforeDid'),
                  actions: { type: 'recordSession', params: service('A4') },
                },
              },
            },
            active: {
              on: {
                COUNSELLING_MEETING_HELD: {
                  guard: checks(...sessionGuards('A4'), 'dateNotBeforeDid'),
                  actions: { type: 'recordSession', params: service('A4') },
                },
                COUNSELLING_COMPLETED: {
                  target: 'completed',
                  guard: checks(...completionGuards('A4'), 'dateNotBeforeDid'),
                  actions: ['counsellingCompleted', { type: 'completeService', params: service('A4') }],
                },
              },
            },
            completed: {},
          },
        },
        // A.5: after or together with A.3 or A.4; sessions of at least 2 hours
        A5: {
          meta: { service: 'A5' },
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                JOB_SEARCH_SESSION_HELD: {
                  target: 'active',
                  guard: checks(...accessGuards('A5'), 'paiNotRefused', ...sessionGuards('A5'), 'dateNotBeforeDid'),
                  actions: { type: 'recordSession', params: service('A5') },
                },
              },
            },
            active: {
              on: {
                JOB_SEARCH_SESSION_HELD: {
                  guard: checks('paiNotRefused', ...sessionGuards('A5'), 'dateNotBeforeDid'),
                  actions: { type: 'recordSession', params: service('A5') },
                },
                TRAINEESHIP_ACTIVATED: { guard: checks('dateNotBeforeDid'), actions: 'traineeshipActivated' },
                JOB_SEARCH_COMPLETED: {
                  target: 'completed',
                  guard: checks(...completionGuards('A5'), 'dateNotBeforeDid'),
                  actions: { type: 'completeService', params: service('A5') },
                },
              },
            },
            completed: {},
          },
        },
        // A.6: after or together with A.3, A.4 or A.5; at least 2 hours; pre-selection, interviews, hiring
        A6: {
          meta: { service: 'A6' },
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                MATCHING_SESSION_HELD: {
                  target: 'active',
                  guard: checks(...accessGuards('A6'), 'paiNotRefused', ...sessionGuards('A6'), 'dateNotBeforeDid'),
                  actions: { type: 'recordSession', params: service('A6') },
                },
              },
            },
            active: {
              on: {
                MATCHING_SESSION_HELD: {
                  guard: checks('paiNotRefused', ...sessionGuards('A6'), 'dateNotBeforeDid'),
                  actions: { type: 'recordSession', params: service('A6') },
                },
                CANDIDATE_PRESELECTED: { guard: checks('dateNotBeforeDid'), actions: 'preselected' },
                SENT_TO_INTERVIEW: { guard: checks('preselected', 'dateNotBeforeDid'), actions: 'sentToInterview' },
                HIRED: {
                  target: '#person.placed',
                  guard: checks(...completionGuards('A6'), 'sentToInterview', 'dateNotBeforeDid', 'contractStartPlausible'),
                  actions: ['hired', { type: 'completeService', params: service('A6') }, { type: 'close', params: { outcome: 'placed' } }],
                },
              },
            },
          },
        },
      },
    },
    placed: { type: 'final', meta: { outcome: 'placed' } },
    withdrawn: { type: 'final', meta: { outcome: 'withdrawn' } },
    pattoRefused: { type: 'final', meta: { outcome: 'patto_refused' } },
  },
});
