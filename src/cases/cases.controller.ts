import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, CurrentCaseAccess, RequestLanguage } from '../common/request-decorators.js';
import { ApiJson, ApiProblems, ENUMS, HEADERS } from '../common/openapi.js';
import type { Actor, CaseAccess } from '../common/request-context.js';
import { AuditCaseRead } from '../access/audit-read.js';
import { Can } from '../policy/can.js';
import type { Language } from '../config/app-config.js';
import { CasePlacementService } from './case-placement.service.js';
import {
  parseAssignment,
  parseCaseId,
  parseHistoryQuery,
  parseIdempotencyKey,
  parseIfMatch,
  parseListQuery,
  parseTransfer,
} from './case-requests.js';
import { DEFAULT_PAGE, MAX_PAGE } from '../common/request-parsing.js';
import { etagOf } from './case-view.js';
import { CaseService, requestHash, type Idempotency, type WriteResult } from './case.service.js';

export const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'Any string of 1-255 visible ASCII characters. A retry with the same key and body gets the first response (header Idempotent-Replayed: true) and applies nothing again; the same key with another body is 422 IDEMPOTENCY_KEY_REUSED.',
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$', example: 'open-RSSMRA80A01H501U-1' },
};

/** The body of a placement route: documented inline (two small objects). */
const ASSIGNMENT_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['assigneeId'],
  properties: {
    assigneeId: {
      type: 'string',
      format: 'uuid',
      nullable: true,
      description: "An enabled operator of the case's office with the case_manager or supervisor role; null: nobody.",
    },
  },
};
const TRANSFER_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['officeId', 'reason'],
  properties: {
    officeId: { type: 'string', format: 'uuid', description: 'The office that takes the case (any office of the registry).' },
    reason: { type: 'string', minLength: 1, maxLength: 500, description: 'Why, as the history will show it.' },
  },
};

/** Placements take If-Match and Idempotency-Key as events do (both optional): a stale page or a double submit changes nothing. */
const PLACEMENT_IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'The ETag read with the case: 412 VERSION_CONFLICT if it has moved since.',
  schema: { type: 'string', example: '"3"' },
};

@ApiTags('cases')
@Controller('cases')
export class CasesController {
  constructor(
    @Inject(CaseService) private readonly cases: CaseService,
    @Inject(CasePlacementService) private readonly placements: CasePlacementService,
  ) {}

  @Post()
  @Can('cases.open')
  @ApiOperation({ summary: 'Open a case', description: 'Starts a case on a pathway. Its history begins with CASE_OPENED (sequence 1).' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({
    description: 'One schema per pathway (discriminated by `pathway`), each with its own opening data (`input`).',
    schema: { $ref: '#/components/schemas/CreateCase' },
  })
  @ApiJson(201, 'Case', 'Opened.', { Location: HEADERS.Location, ETag: HEADERS.ETag, 'Idempotent-Replayed': HEADERS.IdempotentReplayed })
  @ApiProblems(
    'VALIDATION_FAILED',
    'MALFORMED_JSON',
    'CASE_ALREADY_OPEN',
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
    'IDEMPOTENCY_KEY_REUSED',
  )
  async open(
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @CurrentCaseAccess() access: CaseAccess,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const idempotency = idempotencyOf(key, '/cases', body, actor);
    return send(response, await this.cases.openCase({ body, actor, access, idempotency }));
  }

  @Get()
  @Can('cases.list')
  @ApiOperation({ summary: 'List cases', description: 'Newest first. Pass nextCursor back as cursor for the next page.' })
  @ApiQuery({ name: 'pathway', required: false, enum: ENUMS.pathway.enum })
  @ApiQuery({ name: 'status', required: false, enum: ENUMS.caseStatus.enum })
  @ApiQuery({ name: 'state', required: false, description: 'An active state path, e.g. open.guidance or closed' })
  @ApiQuery({ name: 'service', required: false, enum: ENUMS.serviceKey.enum, description: 'A service key, with serviceStatus' })
  @ApiQuery({ name: 'serviceStatus', required: false, enum: ENUMS.serviceStatus.enum, description: 'With service' })
  @ApiQuery({
    name: 'officeId',
    required: false,
    schema: { type: 'string', format: 'uuid' },
    description: 'One office (among those in reach)',
  })
  @ApiQuery({
    name: 'scope',
    required: false,
    enum: ['all', 'mine'],
    description: 'mine: the cases assigned to the acting operator; all (default): every case in reach.',
  })
  @ApiQuery({
    name: 'subject',
    required: false,
    description: 'The whole subject (tax code or partita IVA), whatever the letter case and spaces',
  })
  @ApiQuery({
    name: 'practice',
    required: false,
    enum: ['false', 'true', 'all'],
    description: "Practice cases (the inspector's sandbox): false (default) leaves them out, true lists only them, all lists both.",
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE } })
  @ApiQuery({ name: 'cursor', required: false, description: 'The nextCursor of the previous page' })
  @ApiJson(200, 'CaseList', 'A page of cases, newest first.')
  @ApiProblems('VALIDATION_FAILED')
  async list(
    @Query() query: Record<string, unknown>,
    @CurrentActor() actor: Actor,
    @CurrentCaseAccess() access: CaseAccess,
  ): Promise<unknown> {
    return this.cases.list(parseListQuery(query), actor, access);
  }

  @Get(':id')
  @Can('cases.read')
  @AuditCaseRead()
  @ApiOperation({ summary: 'Read a case', description: 'State, per-service status, context and version (ETag: "<version>").' })
  @ApiJson(200, 'Case', 'The case.', { ETag: HEADERS.ETag })
  @ApiProblems('VALIDATION_FAILED', 'CASE_NOT_FOUND')
  async get(
    @Param('id') id: string,
    @CurrentCaseAccess() access: CaseAccess,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const view = await this.cases.getCase(parseCaseId(id), access);
    response.setHeader('ETag', etagOf(view.version));
    return view;
  }

  @Get(':id/transitions')
  @Can('cases.read')
  @AuditCaseRead()
  @ApiOperation({
    summary: 'What can be done now',
    description: "Events allowed for the acting operator, and the blocked ones with the machine's reasons (Accept-Language: it or en).",
  })
  @ApiJson(200, 'Transitions', 'The allowed and the blocked events.')
  @ApiProblems('VALIDATION_FAILED', 'CASE_NOT_FOUND')
  async transitions(
    @Param('id') id: string,
    @CurrentActor() actor: Actor,
    @CurrentCaseAccess() access: CaseAccess,
    @RequestLanguage() language: Language,
  ): Promise<unknown> {
    return this.cases.transitions(parseCaseId(id), actor, access, language);
  }

  @Post(':id/events')
  @Can('cases.act')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Apply an event',
    description:
      '`{type, at?, ...payload}` (events and their fields: GET /pathways/:name). The operator is the acting user; `at` defaults to now. One atomic write: the event joins the history and the case moves, or nothing changes.',
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The ETag read with the case ("<version>", W/"<version>", a list of them, or *): 412 VERSION_CONFLICT if it has moved since.',
    schema: { type: 'string', example: '"3"' },
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({
    description:
      "One schema per event type, discriminated by `type` and generated from the machines' catalogue; a type both pathways know (such as PATTO_SIGNED) takes the fields of the case's pathway.",
    schema: { $ref: '#/components/schemas/EventBody' },
  })
  @ApiJson(200, 'EventApplied', 'Applied: the history entry and the case after it.', {
    ETag: HEADERS.ETag,
    'Idempotent-Replayed': HEADERS.IdempotentReplayed,
  })
  @ApiProblems(
    'VALIDATION_FAILED',
    'MALFORMED_JSON',
    'CASE_NOT_FOUND',
    'TRANSITION_NOT_ALLOWED',
    'CASE_MACHINE_OUTDATED',
    'VERSION_CONFLICT',
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
    'IDEMPOTENCY_KEY_REUSED',
  )
  async postEvent(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @CurrentCaseAccess() access: CaseAccess,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const caseId = parseCaseId(id);
    const idempotency = idempotencyOf(key, `/cases/${caseId}/events`, body, actor);
    return send(response, await this.cases.postEvent({ caseId, body, actor, access, ifMatch: parseIfMatch(ifMatch), idempotency }));
  }

  @Post(':id/assignment')
  @HttpCode(200)
  @Can('cases.assign')
  @ApiOperation({
    summary: 'Assign a case to an operator (supervisors)',
    description: "The history records CASE_ASSIGNED (who, by whom; the machine's state does not change); webhooks as for any event.",
  })
  @ApiHeader(PLACEMENT_IF_MATCH)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({ schema: ASSIGNMENT_BODY })
  @ApiJson(200, 'EventApplied', 'Assigned: the history entry and the case after it.', {
    ETag: HEADERS.ETag,
    'Idempotent-Replayed': HEADERS.IdempotentReplayed,
  })
  @ApiProblems(
    'VALIDATION_FAILED',
    'MALFORMED_JSON',
    'CASE_NOT_FOUND',
    'VERSION_CONFLICT',
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
    'IDEMPOTENCY_KEY_REUSED',
  )
  async assign(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @CurrentCaseAccess() access: CaseAccess,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const caseId = parseCaseId(id);
    const change = parseAssignment(body);
    const idempotency = idempotencyOf(key, `/cases/${caseId}/assignment`, body, actor);
    return send(response, await this.placements.place({ caseId, change, actor, access, ifMatch: parseIfMatch(ifMatch), idempotency }));
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @Can('cases.assign')
  @ApiOperation({
    summary: 'Transfer a case to another office (supervisors)',
    description:
      "The history records CASE_TRANSFERRED (from, to, reason; the machine does not see it) and the case is left unassigned for the receiving office. The case may leave the supervisor's reach.",
  })
  @ApiHeader(PLACEMENT_IF_MATCH)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({ schema: TRANSFER_BODY })
  @ApiJson(200, 'EventApplied', 'Transferred: the history entry and the case after it.', {
    ETag: HEADERS.ETag,
    'Idempotent-Replayed': HEADERS.IdempotentReplayed,
  })
  @ApiProblems(
    'VALIDATION_FAILED',
    'MALFORMED_JSON',
    'CASE_NOT_FOUND',
    'CASE_ALREADY_OPEN',
    'VERSION_CONFLICT',
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
    'IDEMPOTENCY_KEY_REUSED',
  )
  async transfer(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @CurrentCaseAccess() access: CaseAccess,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const caseId = parseCaseId(id);
    const change = parseTransfer(body);
    const idempotency = idempotencyOf(key, `/cases/${caseId}/transfer`, body, actor);
    return send(response, await this.placements.place({ caseId, change, actor, access, ifMatch: parseIfMatch(ifMatch), idempotency }));
  }

  @Get(':id/history')
  @Can('cases.read')
  @AuditCaseRead()
  @ApiOperation({
    summary: "The case's events, in order",
    description: 'Paged by sequence: after (default 0) and limit (1-1000); nextAfter is the `after` of the next page, null on the last.',
  })
  @ApiQuery({ name: 'after', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 1000 } })
  @ApiJson(200, 'History', 'A page of the history.')
  @ApiProblems('VALIDATION_FAILED', 'CASE_NOT_FOUND')
  async history(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @CurrentCaseAccess() access: CaseAccess,
  ): Promise<unknown> {
    return this.cases.history({ caseId: parseCaseId(id), access, ...parseHistoryQuery(query) });
  }
}

/** Sends a write's answer: its status, headers and body, and Idempotent-Replayed for a stored one. */
export function send(response: Response, result: WriteResult): unknown {
  response.status(result.status);
  for (const [name, value] of Object.entries(result.headers)) response.setHeader(name, value);
  if (result.replayed) response.setHeader('Idempotent-Replayed', 'true');
  return result.body;
}

/**
 * The Idempotency-Key of a write (400 if malformed), with the hash of what was asked: the route, the
 * body and who asked (a key is the operator's own). Null without the header.
 */
export function idempotencyOf(header: string | undefined, route: string, body: unknown, actor: Actor): Idempotency | null {
  const key = parseIdempotencyKey(header);
  return key ? { key, requestHash: requestHash('POST', route, { body, actor: [actor.id, actor.kind] }) } : null;
}
