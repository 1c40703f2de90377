/**
 * Percorsi machines: the regional employment-service standards as XState v5 statecharts.
 * Pure TypeScript: no Nest, no TypeORM, no I/O (enforced by lint).
 */
export * from './repertory.js';
export type { CaseEvent, EventBase, EventSpec, Operator, ServiceRecord } from './case.js';
export { calendarDateIn } from './case.js';
export type { PersonEvent } from './person/person.events.js';
export type { EmployerEvent } from './employer/employer.events.js';
export type { FieldSpec, FieldType, FieldProblem } from './payload.js';
export { isFreeText } from './payload.js';
export type { Reason, GuardSpec } from './guards.js';
export { PATHWAYS, PATHWAY_NAMES, isPathwayName, type Pathway, type PathwayName } from './pathways.js';
export {
  applyEvent,
  startCase,
  readCase,
  eventsAvailable,
  restore,
  persist,
  statePaths,
  getPathwayOrFail,
  InvalidSnapshotError,
  UnknownPathwayError,
} from './engine.js';
export type { CaseState, PersistedSnapshot, Refusal, StepResult, StartResult } from './engine.js';
export {
  explain,
  availableEvents,
  serviceStatuses,
  type AvailableEvents,
  type Explanation,
  type RefusalKind,
  type ServiceStatus,
} from './explain.js';
export { describePathway, type PathwayDescription } from './definition.js';
export { legalDeadlines, type DeadlineStatus } from './person/person.deadlines.js';
export { complexTargetPreconditions, type ComplexTargetPreconditions } from './person/person.preconditions.js';
export { replayCase, replayHistory, HistoryNotReplayableError, OPENING_EVENT, RECORD_KEEPING_EVENTS, type StoredEvent } from './replay.js';
