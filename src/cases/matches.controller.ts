import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiJson, ApiProblems, HEADERS } from '../common/openapi.js';
import type { Actor, CaseAccess } from '../common/request-context.js';
import { CurrentActor, CurrentCaseAccess } from '../common/request-decorators.js';
import { Can } from '../policy/can.js';
import { IDEMPOTENCY_HEADER, idempotencyOf, send } from './cases.controller.js';
import { parseMatchId, parseMatchQuery } from './match-requests.js';
import { MatchService } from './match.service.js';

const MATCH_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['personCaseId', 'employerCaseId', 'vacancyId', 'at'],
  properties: {
    personCaseId: { type: 'string', format: 'uuid', description: "The person's case (A.6): it records SENT_TO_INTERVIEW." },
    employerCaseId: { type: 'string', format: 'uuid', description: "The employer's case (B.4): it records CANDIDATE_PUT_FORWARD." },
    vacancyId: { type: 'string', minLength: 1, maxLength: 100, description: "The vacancy, as recorded on the employer's case (B.2)." },
    at: { type: 'string', description: 'When the act happened: a date (Europe/Rome) or a date-time with its zone.', example: '2026-10-01' },
  },
};

const OUTCOME_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['outcome', 'at'],
  properties: {
    outcome: { type: 'string', enum: ['hired', 'not_selected'] },
    contractType: { type: 'string', description: 'hired only, and required then: as HIRED takes it (GET /pathways/person).' },
    contractStartDate: { type: 'string', format: 'date', description: 'hired only, and required then.' },
    feedback: {
      type: 'string',
      minLength: 1,
      maxLength: 2000,
      description: "not_selected only: the employer's feedback (EMPLOYER_FEEDBACK_RECORDED); default `not_selected: <personCaseId>`.",
    },
    at: { type: 'string', description: 'When the outcome happened: a date or a date-time with its zone.', example: '2026-10-20' },
  },
};

const WRITE_PROBLEMS = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'TRANSITION_NOT_ALLOWED',
  'CASE_MACHINE_OUTDATED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'IDEMPOTENCY_KEY_REUSED',
] as const;

@ApiTags('matches')
@Controller('matches')
export class MatchesController {
  constructor(@Inject(MatchService) private readonly matches: MatchService) {}

  @Post()
  @Can('matches.write')
  @ApiOperation({
    summary: 'Put a person forward for a vacancy (A.6 / B.4)',
    description:
      "One act on two cases, in one transaction: SENT_TO_INTERVIEW on the person's case (indicator 6.2) and CANDIDATE_PUT_FORWARD on the employer's (10.1), each naming the other. Both machines must allow it, or nothing is recorded: 409 TRANSITION_NOT_ALLOWED with `sides.person.reasons` and `sides.employer.reasons`. Both cases must be in reach (404 CASE_NOT_FOUND names the first that is not), of their pathways, and both real or both practice (409 MATCH_PRACTICE_MIXED).",
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({ schema: MATCH_BODY })
  @ApiJson(201, 'MatchRecorded', 'Recorded on both cases.', {
    Location: HEADERS.MatchLocation,
    'Idempotent-Replayed': HEADERS.IdempotentReplayed,
  })
  @ApiProblems(...WRITE_PROBLEMS, 'CASE_NOT_FOUND', 'MATCH_PRACTICE_MIXED')
  async create(
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @CurrentCaseAccess() access: CaseAccess,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const idempotency = idempotencyOf(key, '/matches', body, actor);
    return send(response, await this.matches.create({ body, actor, access, idempotency }));
  }

  @Post(':id/outcome')
  @Can('matches.write')
  @ApiOperation({
    summary: 'Record the outcome of a match',
    description:
      "hired: HIRED on the person's case (6.3, 6.4; it closes the pathway) and CANDIDATE_HIRED on the employer's (10.3), together or not at all (409 with `sides`). not_selected: EMPLOYER_FEEDBACK_RECORDED on the employer's case only. Once per match: 409 MATCH_OUTCOME_RECORDED afterwards.",
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({ schema: OUTCOME_BODY })
  @ApiJson(201, 'MatchOutcome', 'Recorded.', { Location: HEADERS.MatchLocation, 'Idempotent-Replayed': HEADERS.IdempotentReplayed })
  @ApiProblems(...WRITE_PROBLEMS, 'MATCH_NOT_FOUND', 'MATCH_OUTCOME_RECORDED')
  async outcome(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @CurrentCaseAccess() access: CaseAccess,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const matchId = parseMatchId(id);
    const idempotency = idempotencyOf(key, `/matches/${matchId}/outcome`, body, actor);
    return send(response, await this.matches.recordOutcome({ matchId, body, actor, access, idempotency }));
  }

  @Get()
  @Can('matches.read')
  @ApiOperation({ summary: "A case's matches", description: 'Exactly one of personCaseId and employerCaseId; oldest first.' })
  @ApiQuery({ name: 'personCaseId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiQuery({ name: 'employerCaseId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiJson(200, 'MatchList', "The case's matches.")
  @ApiProblems('VALIDATION_FAILED', 'CASE_NOT_FOUND')
  async list(@Query() query: Record<string, unknown>, @CurrentCaseAccess() access: CaseAccess): Promise<unknown> {
    return this.matches.list({ ...parseMatchQuery(query), access });
  }

  @Get(':id')
  @Can('matches.read')
  @ApiOperation({ summary: 'A match', description: 'Both of its cases must be in reach (404 MATCH_NOT_FOUND otherwise).' })
  @ApiJson(200, 'Match', 'The match.')
  @ApiProblems('VALIDATION_FAILED', 'MATCH_NOT_FOUND')
  async get(@Param('id') id: string, @CurrentCaseAccess() access: CaseAccess): Promise<unknown> {
    return this.matches.get(parseMatchId(id), access);
  }
}
