import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { PROBLEMS, problemType, type ProblemCode } from './problem.js';

/** JSON schemas of the API's bodies, referenced by the controllers' OpenAPI decorators. */
export const SCHEMAS = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details. `code` is stable; `title` and `detail` follow Accept-Language (it or en).',
    required: ['type', 'title', 'status', 'code', 'detail'],
    properties: {
      type: { type: 'string', example: problemType('TRANSITION_NOT_ALLOWED') },
      title: { type: 'string' },
      status: { type: 'integer' },
      code: { type: 'string', enum: Object.keys(PROBLEMS) },
      detail: { type: 'string' },
      instance: { type: 'string' },
      requestId: { type: 'string' },
      errors: {
        type: 'array',
        description: 'VALIDATION_FAILED: each field in error (`header:X`, `query:x`, `path:id` name non-body fields).',
        items: {
          type: 'object',
          properties: {
            field: { type: 'string' },
            problem: { type: 'string', enum: ['required', 'type', 'range', 'enum', 'format', 'unknown'] },
            message: { type: 'string' },
          },
        },
      },
      kind: { type: 'string', enum: ['unknown_event', 'not_available', 'case_closed', 'guards_failed'] },
      reasons: {
        type: 'array',
        description: "TRANSITION_NOT_ALLOWED (and machine validation): the machine's reasons, each with a stable code.",
        items: { $ref: '#/components/schemas/Reason' },
      },
      currentVersion: { type: 'integer', description: 'VERSION_CONFLICT: the version the case is at.' },
      allowed: { type: 'array', items: { type: 'string' }, description: 'METHOD_NOT_ALLOWED: the methods the path accepts.' },
    },
  },
  Reason: {
    type: 'object',
    properties: {
      code: { type: 'string', example: 'PATTO_NOT_SIGNED' },
      guard: { type: 'string', nullable: true, example: 'pattoSigned' },
      message: { type: 'string' },
      fields: { type: 'array', items: { type: 'object' } },
    },
  },
  CaseSummary: {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      pathway: { type: 'string', enum: ['person', 'employer'] },
      machineVersion: { type: 'string' },
      subject: { type: 'string', description: 'Who the case is about: a reference, such as a tax code or VAT number.' },
      office: { type: 'string', nullable: true },
      status: { type: 'string', enum: ['active', 'done'] },
      state: { description: "The machine's state value (string or nested object)." },
      statePaths: { type: 'array', items: { type: 'string' }, example: ['open', 'open.guidance', 'open.guidance.active'] },
      services: {
        type: 'object',
        additionalProperties: { type: 'string', enum: ['not_started', 'active', 'completed', 'not_applicable'] },
      },
      version: { type: 'integer', description: 'Equals the sequence of the last event; the ETag is "<version>".' },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  },
  Case: {
    allOf: [
      { $ref: '#/components/schemas/CaseSummary' },
      {
        type: 'object',
        properties: {
          context: { type: 'object', description: "The machine's context: services, sessions, outputs recorded." },
          deadlines: { type: 'array', items: { type: 'object' }, description: 'Person cases: the legal deadlines (D.Lgs. 181/2000).' },
        },
      },
    ],
  },
  HistoryEntry: {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      sequence: { type: 'integer', description: '1, 2, 3... per case, without gaps; 1 is CASE_OPENED.' },
      type: { type: 'string' },
      payload: { type: 'object', description: 'The event as the machine received it (with at, operator, receivedAt).' },
      stateBefore: {},
      stateAfter: {},
      actor: { type: 'object' },
      occurredAt: { type: 'string', format: 'date-time' },
      recordedAt: { type: 'string', format: 'date-time' },
      idempotencyKey: { type: 'string', nullable: true },
    },
  },
} as const;

/** Documents the problems an endpoint can answer with. */
export function ApiProblems(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of [...codes, 'DATABASE_UNAVAILABLE' as const]) {
    const status = PROBLEMS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((c) => `\`${c}\`: ${PROBLEMS[c].title.en}`).join('; '),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    ),
  );
}
