import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { LEGAL_DEADLINES, OPENING_EVENT, PATHWAY_NAMES, RECORD_KEEPING_EVENTS, SERVICES } from '../../machines/index.js';
import { createCaseSchemas, eventSchemas, eventTypes } from './openapi-events.js';
import { OIDC_SIGN_IN_FAILURES, PROBLEMS, problemType, type ProblemCode } from './problem.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: 'string', format: 'date-time', nullable: true } as const;
const nullableEnum = (values: readonly string[]) => ({ type: 'string', nullable: true, enum: [...values, null] });
const text = { type: 'object', required: ['it', 'en'], properties: { it: { type: 'string' }, en: { type: 'string' } } } as const;

export const CASE_STATUSES = ['active', 'done'] as const;
export const SERVICE_STATUSES = ['not_started', 'active', 'completed', 'not_applicable'] as const;
export const SERVICE_KEYS = Object.keys(SERVICES);
export const DELIVERY_STATUSES = ['pending', 'in_flight', 'succeeded', 'failed', 'paused'] as const;
export const REFUSAL_KINDS = ['unknown_event', 'not_available', 'case_closed', 'guards_failed'] as const;
/** Every event type a case's history or a webhook can carry: the opening and the catalogue's. */
export const ALL_EVENT_TYPES = [OPENING_EVENT, ...eventTypes().keys(), ...RECORD_KEEPING_EVENTS];

/** Enumerations shared by the schemas, the query parameters and the request bodies. */
export const ENUMS = {
  pathway: { type: 'string', enum: PATHWAY_NAMES },
  caseStatus: { type: 'string', enum: CASE_STATUSES },
  serviceStatus: { type: 'string', enum: SERVICE_STATUSES },
  serviceKey: { type: 'string', enum: SERVICE_KEYS },
  eventType: { type: 'string', enum: ALL_EVENT_TYPES },
  deliveryStatus: { type: 'string', enum: DELIVERY_STATUSES },
  operatorKind: { type: 'string', enum: ['cpi', 'accredited'] },
} as const;

const services = {
  type: 'object',
  description: 'The status of each service of the pathway, by key (A1-A6 or B1-B4).',
  additionalProperties: ENUMS.serviceStatus,
  example: { A1: 'completed', A2: 'active', A3: 'not_started' },
} as const;

const fieldError = {
  type: 'object',
  required: ['field', 'problem'],
  properties: {
    field: { type: 'string' },
    problem: { type: 'string', enum: ['required', 'type', 'range', 'enum', 'format', 'unknown'] },
    message: { type: 'string' },
  },
} as const;

const uuid = { type: 'string', format: 'uuid' } as const;
const roles = {
  type: 'array',
  items: { type: 'string', enum: ['case_manager', 'supervisor', 'trainer', 'analyst', 'integration', 'admin'] },
};
const uuids = { type: 'array', items: uuid, maxItems: 200 } as const;

/** Step 6, identity: the signed-in operator, the admin's registry, API tokens. */
const IDENTITY_SCHEMAS = {
  Me: {
    type: 'object',
    description: "Who is signed in. For an API token, its roles and offices (never wider than the operator's).",
    required: ['operator', 'agency', 'offices', 'roles', 'via'],
    properties: {
      operator: {
        type: 'object',
        required: ['id', 'username', 'name', 'kind'],
        properties: {
          id: uuid,
          username: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string', enum: ['person', 'service'] },
        },
      },
      agency: {
        type: 'object',
        nullable: true,
        description: "The agency of the operator's offices; null for an operator in no office.",
        required: ['id', 'name', 'kind'],
        properties: { id: uuid, name: { type: 'string' }, kind: ENUMS.operatorKind },
      },
      offices: {
        type: 'array',
        items: { type: 'object', required: ['id', 'name', 'agencyId'], properties: { id: uuid, name: { type: 'string' }, agencyId: uuid } },
      },
      roles,
      via: { type: 'string', enum: ['session', 'token', 'oidc'], description: 'How the request was authenticated.' },
    },
  },
  AgencyInput: {
    type: 'object',
    additionalProperties: false,
    properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, kind: ENUMS.operatorKind },
  },
  Agency: {
    type: 'object',
    required: ['id', 'name', 'kind', 'createdAt'],
    properties: { id: uuid, name: { type: 'string' }, kind: ENUMS.operatorKind, createdAt: dateTime },
  },
  AgencyList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Agency') } } },
  OfficeInput: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'agencyId'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      agencyId: uuid,
      supervisesOfficeIds: { ...uuids, description: 'Offices whose cases this office may also see.' },
    },
  },
  OfficeUpdate: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      supervisesOfficeIds: { ...uuids, description: 'Replaces the list of offices whose cases this office may also see.' },
    },
  },
  Office: {
    type: 'object',
    required: ['id', 'agencyId', 'name', 'supervisesOfficeIds', 'createdAt'],
    properties: {
      id: uuid,
      agencyId: uuid,
      name: { type: 'string' },
      supervisesOfficeIds: { type: 'array', items: uuid },
      createdAt: dateTime,
    },
  },
  OfficeList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Office') } } },
  OperatorInput: {
    type: 'object',
    additionalProperties: false,
    required: ['username', 'name'],
    properties: {
      username: { type: 'string', pattern: '^[\\p{L}\\p{N}._@-]{1,100}$', description: 'Unique whatever the letter case.' },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      kind: { type: 'string', enum: ['person', 'service'], default: 'person' },
      password: { type: 'string', minLength: 12, maxLength: 1024, format: 'password', description: 'Not for service accounts.' },
      roles: { ...roles, default: [] },
      officeIds: { ...uuids, default: [], description: 'Offices of one agency.' },
    },
  },
  OperatorUpdate: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      password: { type: 'string', nullable: true, minLength: 12, maxLength: 1024, format: 'password', description: 'null removes it.' },
      roles,
      officeIds: uuids,
      disabled: { type: 'boolean' },
    },
  },
  OperatorAccount: {
    type: 'object',
    description: 'An operator as the admin sees it: never the password hash.',
    additionalProperties: false,
    required: ['id', 'username', 'name', 'kind', 'roles', 'officeIds', 'hasPassword', 'disabledAt', 'createdAt', 'updatedAt'],
    properties: {
      id: uuid,
      username: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string', enum: ['person', 'service'] },
      roles,
      officeIds: { type: 'array', items: uuid },
      hasPassword: { type: 'boolean' },
      disabledAt: nullableDateTime,
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  OperatorAccountList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('OperatorAccount') } } },
  AccessRecord: {
    type: 'object',
    description: "One read of a real case's personal data. Never the subject, a name or a payload.",
    additionalProperties: false,
    required: ['id', 'at', 'operator', 'via', 'caseId', 'route', 'requestId'],
    properties: {
      id: uuid,
      at: dateTime,
      operator: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'username'],
        properties: { id: uuid, username: { type: 'string' } },
      },
      via: { type: 'string', enum: ['session', 'token', 'oidc'], description: 'The credential the request was authenticated with' },
      caseId: uuid,
      route: { type: 'string', description: 'The route pattern, e.g. `GET /cases/:id/history`' },
      requestId: { type: 'string', nullable: true, description: 'The X-Request-Id of the request (as in the service logs)' },
    },
  },
  AccessLogPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: ref('AccessRecord') },
      nextCursor: { type: 'string', nullable: true, description: 'Pass it back as `cursor` for the next page; null on the last.' },
    },
  },
  TokenInput: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      expiresAt: { ...nullableDateTime, description: 'A future instant; null or absent: no expiry.' },
      roles: { ...roles, description: "Default: the creator's; never wider." },
      officeIds: { ...uuids, description: "Default: the creator's; never wider." },
    },
  },
  Token: {
    type: 'object',
    description: 'An API token, without its secret (only its sha256 is stored).',
    required: ['id', 'operatorId', 'name', 'roles', 'officeIds', 'expiresAt', 'lastUsedAt', 'revokedAt', 'createdAt'],
    properties: {
      id: uuid,
      operatorId: uuid,
      name: { type: 'string' },
      roles,
      officeIds: { type: 'array', items: uuid },
      expiresAt: nullableDateTime,
      lastUsedAt: { ...nullableDateTime, description: 'Updated at most once a minute.' },
      revokedAt: nullableDateTime,
      createdAt: dateTime,
    },
  },
  TokenWithSecret: {
    allOf: [
      ref('Token'),
      {
        type: 'object',
        required: ['token'],
        properties: {
          token: { type: 'string', pattern: '^pct_[A-Za-z0-9_-]{43}$', description: 'The secret: shown only in this response.' },
        },
      },
    ],
  },
  TokenList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Token') } } },
} as const;

/** JSON schemas of the API's bodies, referenced by the controllers' OpenAPI decorators. */
export const SCHEMAS = {
  Problem: {
    type: 'object',
    description:
      'RFC 9457 problem details (application/problem+json). `code` is stable; `title` and `detail` follow Accept-Language (it or en). ' +
      'Extensions depend on the code.',
    required: ['type', 'title', 'status', 'code', 'detail'],
    properties: {
      type: { type: 'string', description: 'urn:percorsi:problem:<code in kebab case>', example: problemType('TRANSITION_NOT_ALLOWED') },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      code: { type: 'string', enum: Object.keys(PROBLEMS) },
      detail: { type: 'string' },
      instance: { type: 'string', description: 'The request path and query.' },
      requestId: { type: 'string', description: 'As the X-Request-Id response header: quote it when reporting a problem.' },
      errors: {
        type: 'array',
        description: 'VALIDATION_FAILED: each field in error (`header:X`, `query:x`, `path:id` name non-body fields).',
        items: fieldError,
      },
      kind: { type: 'string', enum: REFUSAL_KINDS, description: 'TRANSITION_NOT_ALLOWED and machine validation: why the machine refused.' },
      reasons: {
        type: 'array',
        description: "TRANSITION_NOT_ALLOWED (and machine validation): the machine's reasons, each with a stable code.",
        items: ref('Reason'),
      },
      sides: {
        type: 'object',
        description:
          "TRANSITION_NOT_ALLOWED for a matching act: each case's refusal (kind null and no reasons for a side that would pass, or that the act does not touch).",
        required: ['person', 'employer'],
        properties: { person: ref('SideRefusal'), employer: ref('SideRefusal') },
      },
      currentVersion: { type: 'integer', description: 'VERSION_CONFLICT: the version the case is at.' },
      allowed: { type: 'array', items: { type: 'string' }, description: 'METHOD_NOT_ALLOWED: the methods the path accepts.' },
      available: { type: 'array', items: ENUMS.pathway, description: 'PATHWAY_NOT_FOUND: the pathways this service runs.' },
      caseMachineVersion: { type: 'string', description: "CASE_MACHINE_OUTDATED: the case's machine version." },
      servedMachineVersion: { type: 'string', description: 'CASE_MACHINE_OUTDATED: the version the service runs.' },
      sequence: { type: 'integer', description: 'CASE_HISTORY_NOT_REPLAYABLE: the event where the replay stops.' },
      openCaseId: {
        type: 'string',
        format: 'uuid',
        description: "CASE_ALREADY_OPEN: the subject's open case of the pathway in the agency.",
      },
      officeId: { type: 'string', format: 'uuid', description: "CASE_ALREADY_OPEN: the open case's office." },
      openCase: {
        type: 'string',
        example: '/cases/8f14e45f-ceea-4d6b-9c5a-3e2b1f0a7c11',
        description: 'CASE_ALREADY_OPEN: the open case.',
      },
      maxStreams: { type: 'integer', description: 'TOO_MANY_STREAMS: the streams one process serves at most.' },
      sqlState: { type: 'string', description: 'VALUE_NOT_STORABLE: the SQLSTATE (class 22, data exception) the database answered.' },
      reason: {
        type: 'string',
        enum: OIDC_SIGN_IN_FAILURES,
        description: 'OIDC_SIGN_IN_FAILED: which step of the sign-in failed (docs/oidc.md).',
      },
    },
  },
  SideRefusal: {
    type: 'object',
    required: ['kind', 'reasons'],
    properties: {
      kind: { ...nullableEnum(REFUSAL_KINDS), description: "Why this side's machine refused; null if it would allow the act." },
      reasons: { type: 'array', items: ref('Reason') },
    },
  },
  Reason: {
    type: 'object',
    description: "A machine's reason for a refusal, in the request's language.",
    required: ['code', 'guard', 'message'],
    properties: {
      code: { type: 'string', example: 'PATTO_NOT_SIGNED' },
      guard: {
        type: 'string',
        nullable: true,
        example: 'pattoSigned',
        description: 'The guard that refused, null for a structural refusal.',
      },
      message: { type: 'string' },
      fields: { type: 'array', items: fieldError, description: 'PAYLOAD_INVALID and INPUT_INVALID: the fields in error.' },
    },
  },
  Operator: {
    type: 'object',
    required: ['id', 'kind'],
    properties: { id: { type: 'string' }, kind: ENUMS.operatorKind },
  },
  Actor: {
    type: 'object',
    description:
      "Who acted: the signed-in operator (id, username), the kind of their agency, and how they signed in. Events recorded before Step 6 carry `source` (the configured default operator or a gateway's X-Operator-* headers) instead of `username` and `via`.",
    required: ['id', 'kind'],
    properties: {
      id: { type: 'string' },
      username: { type: 'string' },
      kind: {
        type: 'string',
        enum: [...ENUMS.operatorKind.enum, 'system'],
        description: 'system: the deadline scheduler (DEADLINE_APPROACHING, DEADLINE_OVERDUE).',
      },
      via: { type: 'string', enum: ['session', 'token', 'oidc', 'scheduler'] },
      source: { type: 'string', enum: ['default', 'gateway'] },
    },
  },
  Deadline: {
    type: 'object',
    description: 'A legal deadline of a person case (D.Lgs. 181/2000 art. 3), counted from the DID date.',
    required: ['id', 'text', 'dueBy', 'metAt', 'state', 'daysLeft'],
    properties: {
      id: { type: 'string', enum: LEGAL_DEADLINES.map((d) => d.id) },
      text: { ...text, description: 'What is due, in Italian and English.' },
      dueBy: { type: 'string', format: 'date', description: 'Due by the end of this day (a day in Europe/Rome).' },
      metAt: { type: 'string', nullable: true, description: 'When it was met (the date of the act), null while it is not.' },
      state: {
        type: 'string',
        enum: ['pending', 'met', 'overdue', 'waived'],
        description:
          'met (on time or late), waived (the case closed before meeting it), overdue (not met and its day has passed in Europe/Rome, whether or not the scheduler has run), pending otherwise.',
      },
      daysLeft: {
        type: 'integer',
        nullable: true,
        description: 'Days from today (Europe/Rome) to the due day: 0 on the day, negative when overdue; null when met or waived.',
      },
    },
  },
  CaseSummary: {
    type: 'object',
    required: [
      'id',
      'pathway',
      'machineVersion',
      'subject',
      'officeId',
      'assignee',
      'status',
      'state',
      'statePaths',
      'services',
      'practice',
      'masked',
      'version',
      'createdAt',
      'updatedAt',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      pathway: ENUMS.pathway,
      machineVersion: { type: 'string' },
      subject: { type: 'string', description: 'Who the case is about: a reference, such as a tax code or VAT number.' },
      officeId: { type: 'string', format: 'uuid', nullable: true, description: 'The office the case belongs to: who reaches it.' },
      assignee: {
        type: 'string',
        format: 'uuid',
        nullable: true,
        description: 'The operator in charge of the case (an operator id), or null.',
      },
      status: { ...ENUMS.caseStatus, description: 'active while the case runs, done once it is closed.' },
      state: { description: "The machine's state value (string or nested object)." },
      statePaths: { type: 'array', items: { type: 'string' }, example: ['open', 'open.guidance', 'open.guidance.active'] },
      services,
      practice: { type: 'boolean', description: "A trainee's practice case: never sent to webhooks, never counted in indicators." },
      masked: {
        type: 'boolean',
        description:
          'true: a real case read by an observer (a trainer, on the real cases of its offices): `subject`, the free text of events and context, and Idempotency-Keys read "***"; the case is read-only to it (a write is 403 FORBIDDEN). false otherwise, practice cases always.',
      },
      version: { type: 'integer', minimum: 1, description: 'Equals the sequence of the last event; the ETag is "<version>".' },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  Case: {
    allOf: [
      ref('CaseSummary'),
      {
        type: 'object',
        required: ['context'],
        properties: {
          context: { type: 'object', description: "The machine's context: services, sessions, outputs recorded." },
          deadlines: { type: 'array', items: ref('Deadline'), description: 'Person cases only: the legal deadlines (D.Lgs. 181/2000).' },
        },
      },
    ],
  },
  HistoryEntry: {
    type: 'object',
    required: ['id', 'sequence', 'type', 'payload', 'stateBefore', 'stateAfter', 'actor', 'occurredAt', 'recordedAt', 'idempotencyKey'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      sequence: { type: 'integer', minimum: 1, description: '1, 2, 3... per case, without gaps; 1 is CASE_OPENED.' },
      type: ENUMS.eventType,
      payload: { type: 'object', description: 'The event as the machine received it (with at, operator, receivedAt).' },
      stateBefore: { description: 'The state value before the event (null for CASE_OPENED).' },
      stateAfter: { description: 'The state value after the event.' },
      actor: ref('Actor'),
      occurredAt: dateTime,
      recordedAt: dateTime,
      idempotencyKey: { type: 'string', nullable: true },
    },
  },
  CaseList: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: ref('CaseSummary') },
      nextCursor: { type: 'string', nullable: true, description: 'Pass it back as `cursor` for the next page; null on the last.' },
    },
  },
  WorklistItem: {
    type: 'object',
    required: ['caseId', 'pathway', 'subject', 'officeId', 'assignee', 'nextDeadline', 'lastActivityAt', 'services'],
    properties: {
      caseId: uuid,
      pathway: ENUMS.pathway,
      subject: { type: 'string' },
      officeId: { type: 'string', format: 'uuid', nullable: true },
      assignee: { type: 'string', format: 'uuid', nullable: true, description: 'The operator in charge (an operator id), or null.' },
      nextDeadline: {
        type: 'object',
        nullable: true,
        description: "The case's next pending legal deadline; null when it has none.",
        required: ['id', 'dueBy', 'state', 'daysLeft'],
        properties: {
          id: { type: 'string', enum: LEGAL_DEADLINES.map((d) => d.id) },
          dueBy: { type: 'string', format: 'date', description: 'Due by the end of this day (Europe/Rome).' },
          state: { type: 'string', enum: ['pending', 'overdue'], description: 'overdue once the day has passed in Europe/Rome.' },
          daysLeft: { type: 'integer', description: 'Days from today (Europe/Rome) to dueBy: 0 on the day, negative when overdue.' },
        },
      },
      lastActivityAt: { ...dateTime, description: "The case's last change (its updatedAt)." },
      services,
    },
  },
  Worklist: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: ref('WorklistItem') },
      nextCursor: { type: 'string', nullable: true, description: 'Pass it back as `cursor` for the next page; null on the last.' },
    },
  },
  EventApplied: {
    type: 'object',
    required: ['event', 'case'],
    properties: {
      event: ref('HistoryEntry'),
      case: ref('Case'),
      match: {
        allOf: [ref('MatchRecorded')],
        description:
          'An event that names the other case of a matching act (SENT_TO_INTERVIEW with employerCaseId, CANDIDATE_PUT_FORWARD with personCaseId): the match, recorded on both cases as POST /matches records it.',
      },
    },
  },
  MatchRecorded: {
    type: 'object',
    description: 'A matching act recorded on both cases: the history entry of each.',
    required: ['id', 'personEvent', 'employerEvent'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      personEvent: { allOf: [ref('HistoryEntry')], description: "SENT_TO_INTERVIEW on the person's case (6.2)." },
      employerEvent: { allOf: [ref('HistoryEntry')], description: "CANDIDATE_PUT_FORWARD on the employer's case (10.1)." },
    },
  },
  MatchOutcome: {
    type: 'object',
    required: ['id', 'outcome', 'employerEvent'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      outcome: { type: 'string', enum: ['hired', 'not_selected'] },
      personEvent: { allOf: [ref('HistoryEntry')], description: "hired only: HIRED on the person's case." },
      employerEvent: { allOf: [ref('HistoryEntry')], description: 'hired: CANDIDATE_HIRED; not_selected: EMPLOYER_FEEDBACK_RECORDED.' },
    },
  },
  Match: {
    type: 'object',
    required: [
      'id',
      'personCaseId',
      'employerCaseId',
      'vacancyId',
      'personSequence',
      'employerSequence',
      'outcome',
      'createdAt',
      'outcomeAt',
      'createdBy',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      personCaseId: { type: 'string', format: 'uuid' },
      employerCaseId: { type: 'string', format: 'uuid' },
      vacancyId: { type: 'string' },
      personSequence: { type: 'integer', minimum: 1, description: "SENT_TO_INTERVIEW's sequence in the person's history." },
      employerSequence: { type: 'integer', minimum: 1, description: "CANDIDATE_PUT_FORWARD's sequence in the employer's history." },
      outcome: { ...nullableEnum(['hired', 'not_selected']), description: 'null until recorded.' },
      createdAt: dateTime,
      outcomeAt: nullableDateTime,
      createdBy: { type: 'string', format: 'uuid', description: 'The operator who recorded the act.' },
    },
  },
  MatchList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Match') } } },
  AssigneeList: {
    type: 'object',
    required: ['officeId', 'items'],
    properties: {
      officeId: { type: 'string', format: 'uuid' },
      items: {
        type: 'array',
        description: 'By name.',
        items: {
          type: 'object',
          required: ['id', 'username', 'name', 'roles'],
          properties: {
            id: { type: 'string', format: 'uuid', description: 'The assigneeId to send.' },
            username: { type: 'string' },
            name: { type: 'string' },
            roles: { type: 'array', items: { type: 'string', enum: ['case_manager', 'supervisor'] }, description: 'Its case roles.' },
          },
        },
      },
    },
  },
  History: {
    type: 'object',
    required: ['caseId', 'version', 'events', 'nextAfter'],
    properties: {
      caseId: { type: 'string', format: 'uuid' },
      version: { type: 'integer' },
      events: { type: 'array', items: ref('HistoryEntry') },
      nextAfter: { type: 'integer', nullable: true, description: 'The `after` of the next page, null on the last.' },
    },
  },
  Transitions: {
    type: 'object',
    description: "What the acting operator can do now: the allowed events, and the blocked ones with the machine's reasons.",
    required: ['caseId', 'version', 'operator', 'allowed', 'blocked'],
    properties: {
      caseId: { type: 'string', format: 'uuid' },
      version: { type: 'integer' },
      operator: ref('Operator'),
      allowed: {
        type: 'array',
        items: {
          type: 'object',
          required: ['event', 'service', 'summary'],
          properties: {
            event: ENUMS.eventType,
            service: { ...nullableEnum(SERVICE_KEYS), description: 'The service the event belongs to; null for case-wide events.' },
            summary: { type: 'string', description: "The event in words, in the request's language." },
          },
        },
      },
      blocked: {
        type: 'array',
        items: {
          type: 'object',
          required: ['event', 'service', 'kind', 'reasons'],
          properties: {
            event: ENUMS.eventType,
            service: nullableEnum(SERVICE_KEYS),
            kind: { type: 'string', enum: REFUSAL_KINDS },
            reasons: { type: 'array', minItems: 1, items: ref('Reason') },
          },
        },
      },
    },
  },
  Replay: {
    type: 'object',
    required: ['caseId', 'pathway', 'version', 'steps'],
    properties: {
      caseId: { type: 'string', format: 'uuid' },
      pathway: ENUMS.pathway,
      version: { type: 'integer', description: "The case's current version." },
      steps: {
        type: 'array',
        items: {
          type: 'object',
          required: [
            'sequence',
            'type',
            'payload',
            'actor',
            'occurredAt',
            'recordedAt',
            'state',
            'statePaths',
            'status',
            'services',
            'context',
          ],
          properties: {
            sequence: { type: 'integer' },
            type: ENUMS.eventType,
            payload: { type: 'object' },
            actor: ref('Actor'),
            occurredAt: dateTime,
            recordedAt: dateTime,
            state: { description: 'The state value after the event.' },
            statePaths: { type: 'array', items: { type: 'string' } },
            status: ENUMS.caseStatus,
            services,
            context: { type: 'object' },
          },
        },
      },
    },
  },
  ...eventSchemas(),
  ...createCaseSchemas(),
  PathwayList: {
    type: 'object',
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'title', 'version', 'fingerprint', 'services'],
          properties: {
            name: ENUMS.pathway,
            title: text,
            version: { type: 'string' },
            fingerprint: { type: 'string', description: 'Changes whenever the machine does.' },
            services: {
              type: 'array',
              items: {
                type: 'object',
                required: ['key', 'code', 'name'],
                properties: { key: ENUMS.serviceKey, code: { type: 'string', example: 'A.3' }, name: text },
              },
            },
          },
        },
      },
    },
  },
  PathwayDescription: {
    type: 'object',
    description:
      "A pathway's machine, as user interfaces and the inspector read it. `events` lists each event with its payload fields: the same catalogue the EventBody schemas are generated from.",
    required: ['name', 'title', 'version', 'root', 'services', 'events', 'guards', 'inputFields', 'fingerprint'],
    properties: {
      name: ENUMS.pathway,
      title: text,
      version: { type: 'string' },
      root: { type: 'object', description: 'The root state node: nested states with their transitions and guards.' },
      services: {
        type: 'array',
        items: {
          type: 'object',
          required: ['key', 'code', 'name', 'about'],
          properties: {
            key: ENUMS.serviceKey,
            code: { type: 'string', example: 'A.3' },
            name: text,
            about: {
              type: 'object',
              description:
                "The standard's words on the service (D.G.R. 66-3576/2012), for people learning it: what it is for, who may deliver it, the minimum duration (from the minutes the guards enforce), access and outputs.",
              required: ['purpose', 'deliveredBy', 'duration', 'access', 'outputs'],
              properties: {
                purpose: text,
                deliveredBy: text,
                duration: text,
                access: text,
                outputs: { type: 'array', items: text },
              },
            },
          },
        },
      },
      events: {
        type: 'array',
        items: {
          type: 'object',
          required: ['type', 'service', 'summary', 'fields', 'indicators'],
          properties: {
            type: ENUMS.eventType,
            service: nullableEnum(SERVICE_KEYS),
            summary: text,
            fields: { type: 'array', items: { type: 'object', required: ['name', 'type', 'required', 'description'] } },
            indicators: { type: 'array', items: { type: 'string' } },
          },
        },
      },
      guards: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'code', 'reads', 'message', 'label'],
          properties: {
            name: { type: 'string' },
            code: { type: 'string' },
            reads: { type: 'string', enum: ['case', 'operator', 'event'] },
            message: { ...text, description: 'The refusal sentence; `{name}` placeholders are filled from the case and the event.' },
            label: {
              ...text,
              description:
                "The rule in a few plain words. On a transition's guards (under `root`) it comes filled in from the guard's parameters.",
            },
          },
        },
      },
      inputFields: { type: 'array', items: { type: 'object' } },
      fingerprint: { type: 'string' },
    },
  },
  Health: {
    type: 'object',
    required: ['status', 'database', 'uptimeSeconds'],
    properties: {
      status: { type: 'string', enum: ['ok'] },
      database: {
        type: 'object',
        required: ['kind', 'status', 'latencyMs'],
        properties: {
          kind: { type: 'string', enum: ['embedded', 'postgres'] },
          status: { type: 'string', enum: ['up'] },
          latencyMs: { type: 'number', minimum: 0 },
        },
      },
      uptimeSeconds: { type: 'integer', minimum: 0 },
    },
    example: { status: 'ok', database: { kind: 'embedded', status: 'up', latencyMs: 0.4 }, uptimeSeconds: 12 },
  },
  Liveness: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  SubscriptionFilter: {
    type: 'object',
    description:
      'Empty lists: everything. An event matches when its pathway is listed (or none is) and its type or its service is listed (or neither list is given).',
    properties: {
      pathways: { type: 'array', items: ENUMS.pathway, maxItems: 200 },
      eventTypes: { type: 'array', items: ENUMS.eventType, maxItems: 200, example: ['PATTO_SIGNED', 'HIRED'] },
      services: { type: 'array', items: ENUMS.serviceKey, maxItems: 200, example: ['A2', 'A6'] },
    },
  },
  SubscriptionInput: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: { type: 'string', format: 'uri', example: 'https://receiver.example.org/percorsi' },
      description: { type: 'string', maxLength: 500, nullable: true },
      filter: ref('SubscriptionFilter'),
      ordering: { type: 'string', enum: ['per-case', 'none'], default: 'per-case' },
      enabled: { type: 'boolean', default: true },
    },
  },
  Subscription: {
    type: 'object',
    required: [
      'id',
      'url',
      'description',
      'filter',
      'ordering',
      'enabled',
      'disabledReason',
      'consecutiveFailures',
      'failingSince',
      'previousSecretExpiresAt',
      'createdAt',
      'updatedAt',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      url: { type: 'string' },
      description: { type: 'string', nullable: true },
      filter: {
        allOf: [ref('SubscriptionFilter')],
        required: ['pathways', 'eventTypes', 'services'],
      },
      ordering: { type: 'string', enum: ['per-case', 'none'] },
      enabled: { type: 'boolean' },
      disabledReason: { type: 'string', nullable: true, description: 'Why the service disabled it (a receiver answering 410 Gone...).' },
      consecutiveFailures: { type: 'integer', minimum: 0 },
      failingSince: nullableDateTime,
      previousSecretExpiresAt: { ...nullableDateTime, description: 'After a rotation: until when the previous secret also signs.' },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  SubscriptionWithSecret: {
    allOf: [
      ref('Subscription'),
      {
        type: 'object',
        required: ['secret'],
        properties: { secret: { type: 'string', pattern: '^whsec_', description: 'The signing secret: shown only in this response.' } },
      },
    ],
  },
  SubscriptionList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Subscription') } } },
  Delivery: {
    type: 'object',
    required: [
      'id',
      'subscriptionId',
      'webhookId',
      'type',
      'caseId',
      'sequence',
      'eventType',
      'status',
      'attempts',
      'nextAttemptAt',
      'lastStatusCode',
      'lastErrorClass',
      'deliveredAt',
      'createdAt',
      'updatedAt',
      'payload',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      subscriptionId: { type: 'string', format: 'uuid' },
      webhookId: { type: 'string', description: 'The webhook-id header: the same on every attempt and on a replay.' },
      type: { type: 'string', enum: ['case.transitioned', 'case.deadline.approaching', 'case.deadline.overdue', 'webhook.test'] },
      caseId: { type: 'string', format: 'uuid', nullable: true },
      sequence: { type: 'integer', nullable: true },
      eventType: nullableEnum(ALL_EVENT_TYPES),
      status: ENUMS.deliveryStatus,
      attempts: { type: 'integer', minimum: 0 },
      nextAttemptAt: { ...nullableDateTime, description: 'Set while pending.' },
      lastStatusCode: { type: 'integer', nullable: true },
      lastErrorClass: { type: 'string', nullable: true },
      deliveredAt: nullableDateTime,
      createdAt: dateTime,
      updatedAt: dateTime,
      payload: { type: 'object', description: 'The body sent to the receiver.' },
    },
  },
  DeliveryList: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items: ref('Delivery') }, nextCursor: { type: 'string', nullable: true } },
  },
  Attempt: {
    type: 'object',
    required: ['id', 'deliveryId', 'attempt', 'startedAt', 'durationMs', 'statusCode', 'errorClass', 'error', 'responseBody', 'outcome'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      deliveryId: { type: 'string', format: 'uuid' },
      attempt: { type: 'integer', minimum: 1 },
      startedAt: dateTime,
      durationMs: { type: 'number', minimum: 0 },
      statusCode: { type: 'integer', nullable: true },
      errorClass: { type: 'string', nullable: true },
      error: { type: 'string', nullable: true },
      responseBody: { type: 'string', description: 'The first 4 KiB of the response.' },
      outcome: { type: 'string', enum: ['succeeded', 'retrying', 'failed', 'paused'] },
    },
  },
  AttemptList: {
    type: 'object',
    required: ['delivery', 'items'],
    properties: { delivery: ref('Delivery'), items: { type: 'array', items: ref('Attempt') } },
  },
  TestQueued: {
    type: 'object',
    required: ['deliveryId', 'webhookId', 'status'],
    properties: {
      deliveryId: { type: 'string', format: 'uuid' },
      webhookId: { type: 'string' },
      status: { type: 'string', enum: ['pending', 'paused'] },
    },
  },
  ReplayQueued: {
    type: 'object',
    required: ['subscriptionId', 'queued', 'from', 'to', 'types'],
    properties: {
      subscriptionId: { type: 'string', format: 'uuid' },
      queued: { type: 'integer', minimum: 0 },
      from: nullableDateTime,
      to: nullableDateTime,
      types: { type: 'array', items: ENUMS.eventType },
    },
  },
  Indicators: {
    type: 'object',
    description: "The Region's indicators for a period and offices (docs/indicators.md).",
    required: ['from', 'to', 'officeIds', 'indicators', 'consistency'],
    properties: {
      from: { type: 'string', format: 'date', description: 'First day (Europe/Rome), inclusive.' },
      to: { type: 'string', format: 'date', description: 'Last day (Europe/Rome), inclusive.' },
      officeIds: { type: 'array', items: { type: 'string', format: 'uuid' }, description: 'The offices counted.' },
      indicators: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'label', 'unit', 'value'],
          properties: {
            id: { type: 'string', example: '1.1' },
            label: text,
            unit: { type: 'string', enum: ['persons', 'companies', 'traineeships', 'vacancies', 'candidates'] },
            value: { type: 'integer', minimum: 0 },
            byMonth: {
              type: 'array',
              description: 'Date indicators (2.2, 3.2, 6.4): distinct persons by month of the date.',
              items: {
                type: 'object',
                required: ['month', 'count'],
                properties: { month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' }, count: { type: 'integer', minimum: 0 } },
              },
            },
            medianDaysFromDid: {
              type: 'number',
              nullable: true,
              description: "Date indicators: median days from the case's DID date to the date; null when no case has a DID.",
            },
          },
        },
      },
      consistency: {
        type: 'object',
        required: ['6.2', '10.1', 'unmatched'],
        properties: {
          '6.2': { type: 'integer', minimum: 0, description: 'Sending acts (SENT_TO_INTERVIEW) in the period and offices.' },
          '10.1': { type: 'integer', minimum: 0, description: 'Put-forward acts (CANDIDATE_PUT_FORWARD) in the period and offices.' },
          unmatched: {
            type: 'array',
            description: 'The acts whose counterpart on the other case is missing.',
            items: {
              type: 'object',
              required: ['side', 'caseId', 'sequence', 'at', 'vacancyId'],
              properties: {
                side: { type: 'string', enum: ['person', 'employer'] },
                caseId: { type: 'string', format: 'uuid' },
                sequence: { type: 'integer', minimum: 1 },
                at: dateTime,
                vacancyId: { type: 'string', nullable: true },
              },
            },
          },
        },
      },
    },
  },
  ...IDENTITY_SCHEMAS,
} as const;

/** Response headers the routes set. */
export const HEADERS = {
  ETag: {
    required: true,
    description: 'The case\'s version, "<version>": send it back as If-Match.',
    schema: { type: 'string', example: '"3"' },
  },
  Location: { required: true, description: 'The new case: /cases/<id>.', schema: { type: 'string' } },
  MatchLocation: { required: true, description: 'The match: /matches/<id>.', schema: { type: 'string' } },
  IdempotentReplayed: {
    description: '`true` when this is the stored response of an earlier request with the same key.',
    schema: { type: 'string', enum: ['true'] },
  },
  RetryAfter: { required: true, description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
  Allow: { required: true, description: 'The methods the path accepts.', schema: { type: 'string', example: 'GET, HEAD' } },
  WwwAuthenticate: { required: true, description: 'Bearer realm="percorsi"', schema: { type: 'string' } },
  SetSessionCookie: {
    required: true,
    description: 'percorsi_session=<token>; Max-Age (PERCORSI_SESSION_MAX_HOURS); Path=/; HttpOnly; SameSite=Lax; Secure over https.',
    schema: { type: 'string' },
  },
  SignInRedirect: { required: true, description: 'Where the browser goes next.', schema: { type: 'string' } },
  SetOidcFlowCookie: {
    required: true,
    description:
      'percorsi_oidc=<sealed state, nonce, code verifier and next>; Max-Age=600; Path=/auth/oidc; HttpOnly; SameSite=Lax; Secure over https.',
    schema: { type: 'string' },
  },
  ClearSessionCookie: { required: true, description: 'Clears percorsi_session.', schema: { type: 'string' } },
} as const;

/** A JSON response with a schema of SCHEMAS and, optionally, response headers. */
export function ApiJson(status: number, schema: keyof typeof SCHEMAS, description: string, headers: Record<string, object> = {}) {
  return ApiResponse({
    status,
    description,
    content: { 'application/json': { schema: ref(schema) } },
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  });
}

/** A response of another media type (a page, a script, the metrics, an event stream). */
export function ApiContent(status: number, types: string[], description: string) {
  return ApiResponse({ status, description, content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string' } }])) });
}

/** Codes whose problem carries response headers. */
export const PROBLEM_HEADERS: Partial<Record<ProblemCode, Record<string, object>>> = {
  VERSION_CONFLICT: { ETag: HEADERS.ETag },
  DATABASE_UNAVAILABLE: { 'Retry-After': HEADERS.RetryAfter },
  TOO_MANY_STREAMS: { 'Retry-After': HEADERS.RetryAfter },
  SHUTTING_DOWN: { 'Retry-After': HEADERS.RetryAfter },
  METHOD_NOT_ALLOWED: { Allow: HEADERS.Allow },
  UNAUTHENTICATED: { 'WWW-Authenticate': HEADERS.WwwAuthenticate },
  INVALID_CREDENTIALS: { 'WWW-Authenticate': HEADERS.WwwAuthenticate },
  TOO_MANY_ATTEMPTS: { 'Retry-After': HEADERS.RetryAfter },
  OIDC_SIGN_IN_FAILED: { 'WWW-Authenticate': HEADERS.WwwAuthenticate },
  OIDC_PROVIDER_UNAVAILABLE: { 'Retry-After': HEADERS.RetryAfter },
};

/** The problem+json content of a response that answers with one of the codes. */
export function problemContent(codes: readonly ProblemCode[]) {
  return {
    'application/problem+json': {
      schema: { allOf: [ref('Problem'), { type: 'object', properties: { code: { type: 'string', enum: [...codes] } } }] },
    },
  };
}

/**
 * Problems any route can answer with: a bad kept header (Idempotency-Key, If-Match) or query string, a path that does
 * not decode, a value the database refuses, or the database not answering.
 */
const EVERY_ROUTE: ProblemCode[] = ['VALIDATION_FAILED', 'MALFORMED_PATH', 'VALUE_NOT_STORABLE', 'DATABASE_UNAVAILABLE'];

/** Documents the problems an endpoint can answer with, grouped by status, each status listing its codes. */
export function ApiProblems(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set([...codes, ...EVERY_ROUTE])) {
    const status = PROBLEMS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, list]) => {
      const headers: Record<string, object> = Object.assign({}, ...list.map((c) => PROBLEM_HEADERS[c] ?? {})) as Record<string, object>;
      return ApiResponse({
        status,
        description: list.map((c) => `\`${c}\`: ${PROBLEMS[c].title.en}`).join('; '),
        content: problemContent(list),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
      });
    }),
  );
}

const problemResponse = (code: ProblemCode, description: string) => ({
  description,
  content: problemContent([code]),
  ...(PROBLEM_HEADERS[code] ? { headers: PROBLEM_HEADERS[code] } : {}),
});

/** Request headers every operation reads. */
const COMMON_PARAMETERS = [
  {
    name: 'Accept-Language',
    in: 'header',
    required: false,
    description:
      "it or en (q-values honoured; default: the service's PERCORSI_DEFAULT_LANGUAGE): the language of messages, summaries and problems. The response says it in Content-Language.",
    schema: { type: 'string', example: 'en' },
  },
  {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description:
      'Kept and echoed as X-Request-Id (1-100 of letters, digits, . _ : -), otherwise one is made; problems carry it as requestId.',
    schema: { type: 'string' },
  },
];

const DESCRIPTION = `Case service for public employment services: the regional service standards (A.1-A.6, B.1-B.4) as statecharts.

Errors are RFC 9457 application/problem+json with a stable \`code\`; messages follow Accept-Language (it, en). Each operation lists the statuses and codes it can answer with. Besides them, any request can get:
- 404 \`ROUTE_NOT_FOUND\` for a path the API does not have (components.responses.RouteNotFound);
- 405 \`METHOD_NOT_ALLOWED\` for a method a known path does not accept, with an Allow header (components.responses.MethodNotAllowed);
- 500 \`INTERNAL_ERROR\` for a bug or an unexpected failure, logged with the request id (listed on every operation as components.responses.InternalError).

The body of POST /cases/:id/events is one schema per event type (EventBody, discriminated by \`type\`), generated from the machines' catalogue. This document is served at /docs (Swagger UI) and /docs/openapi.json.`;

/**
 * Completes the document Nest builds from the decorators: the schemas, the generic responses, the
 * headers every operation reads, and the routes of the document itself.
 */
export function completeDocument(document: OpenAPIObject): OpenAPIObject {
  document.info.description = DESCRIPTION;
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...(SCHEMAS as Record<string, object>) },
    securitySchemes: {
      ...document.components?.securitySchemes,
      session: { type: 'apiKey', in: 'cookie', name: 'percorsi_session', description: 'Set by POST /auth/login.' },
      bearer: { type: 'http', scheme: 'bearer', description: 'An API token (pct_...) from POST /tokens.' },
    },
    responses: {
      ...document.components?.responses,
      RouteNotFound: problemResponse('ROUTE_NOT_FOUND', 'No such path: `ROUTE_NOT_FOUND`, on any path the API does not have.'),
      MethodNotAllowed: problemResponse('METHOD_NOT_ALLOWED', 'The path exists, the method does not: `METHOD_NOT_ALLOWED`.'),
      InternalError: problemResponse('INTERNAL_ERROR', 'A bug or an unexpected failure (logged with the request id): `INTERNAL_ERROR`.'),
    },
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as { parameters?: object[]; responses: Record<string, object> }[]) {
      operation.responses['500'] ??= { $ref: '#/components/responses/InternalError' };
      operation.parameters = [...(operation.parameters ?? []), ...COMMON_PARAMETERS];
    }
  }
  document.paths['/docs'] = {
    get: {
      tags: ['operations'],
      summary: 'This document, in Swagger UI (HTML page)',
      operationId: 'docs_page',
      parameters: [],
      responses: { 200: { description: 'The Swagger UI page.', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  };
  document.paths['/docs/openapi.json'] = {
    get: {
      tags: ['operations'],
      summary: 'This document (OpenAPI 3.0, JSON)',
      operationId: 'docs_json',
      parameters: [],
      responses: {
        200: {
          description: 'The OpenAPI document.',
          content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'paths'] } } },
        },
      },
    },
  };
  return document;
}
