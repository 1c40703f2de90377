import { Controller, Get, Headers, Inject, Param, Query, Req, Res, applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiContent, ApiJson, ApiProblems } from '../common/openapi.js';
import type { CaseAccess } from '../common/request-context.js';
import { CurrentCaseAccess } from '../common/request-decorators.js';
import { AccessLog } from '../access/access-log.js';
import { AuditCaseRead, recordCaseRead, type AuditedRequest } from '../access/audit-read.js';
import { Can } from '../policy/can.js';
import { parseCaseId, parseLastEventId, parseReplayQuery } from './case-requests.js';
import { CaseReplayService } from './case-replay.service.js';
import { CaseStreamService } from './case-stream.service.js';

const LAST_EVENT_ID = {
  name: 'Last-Event-ID',
  required: false,
  description:
    'Resume after this sequence (EventSource sends it when it reconnects): the events after it are sent first, then live ones. Also `?lastEventId=`.',
  schema: { type: 'string', pattern: '^\\d{1,15}$' },
};

/** The OpenAPI description shared by the two live feeds. */
const StreamEndpoint = (summary: string, description: string) =>
  applyDecorators(
    ApiOperation({ summary, description }),
    ApiProduces('text/event-stream'),
    ApiHeader(LAST_EVENT_ID),
    ApiQuery({
      name: 'lastEventId',
      required: false,
      schema: { type: 'string', pattern: '^\\d{1,15}$' },
      description: 'Same as the Last-Event-ID header (which wins).',
    }),
    ApiContent(200, ['text/event-stream'], 'The event stream (Server-Sent Events), open until the client or the service closes it.'),
    ApiProblems('VALIDATION_FAILED', 'CASE_NOT_FOUND', 'TOO_MANY_STREAMS', 'SHUTTING_DOWN'),
  );

/** Live feeds and the replay of a case: what the inspector page reads. */
@ApiTags('cases')
@Controller('cases')
export class CaseStreamController {
  constructor(
    @Inject(CaseStreamService) private readonly streams: CaseStreamService,
    @Inject(CaseReplayService) private readonly replays: CaseReplayService,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
  ) {}

  @Get(':id/stream')
  @Can('cases.follow')
  @StreamEndpoint(
    'Follow a case live (Server-Sent Events)',
    'text/event-stream. First `retry: 2000`, then `event: case` (`id` = version, data `{"case": Case}`), then one `event: transition` per committed event in sequence order ' +
      '(`id` = sequence, data `{"event": HistoryEntry, "case": Case after it}`). A comment line every 15 s keeps the connection alive. ' +
      'With Last-Event-ID the transitions after it come first, without the `case` message. Errors come before any stream byte, as problem+json.',
  )
  async stream(
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query() query: Record<string, unknown>,
    @CurrentCaseAccess() access: CaseAccess,
    @Req() request: AuditedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const caseId = parseCaseId(id);
    const beforeFirstByte = () => recordCaseRead(this.accessLog, request, () => 'GET /cases/:id/stream');
    await this.streams.open({ kind: 'case', caseId, access, lastEventId: parseLastEventId(lastEventId, query), response, beforeFirstByte });
  }

  @Get(':id/inspection')
  @Can('cases.follow')
  @StreamEndpoint(
    'Follow a case as XState inspection events (Server-Sent Events)',
    "For Stately's inspector (@statelyai/inspect: pass each message's data to `inspector.adapter.send`). Unnamed messages (EventSource `onmessage`): " +
      'one `@xstate.actor` (the case; sessionId = rootId = case id; the machine definition), then `@xstate.event` `xstate.init` and `@xstate.snapshot` of the current state, ' +
      'then for each committed event an `@xstate.event` (the stored payload; sourceId `operator:<id>`) and an `@xstate.snapshot` (`id` = sequence). Last-Event-ID as for /stream.',
  )
  async inspection(
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query() query: Record<string, unknown>,
    @CurrentCaseAccess() access: CaseAccess,
    @Req() request: AuditedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const caseId = parseCaseId(id);
    const beforeFirstByte = () => recordCaseRead(this.accessLog, request, () => 'GET /cases/:id/inspection');
    await this.streams.open({
      kind: 'inspection',
      caseId,
      access,
      lastEventId: parseLastEventId(lastEventId, query),
      response,
      beforeFirstByte,
    });
  }

  @Get(':id/replay')
  @Can('cases.read')
  @AuditCaseRead()
  @ApiOperation({
    summary: 'The case after each event of its history',
    description:
      "Replays the stored history through the running machine: CASE_OPENED's input, then every event with its own receivedAt. One step per event, up to `upTo` " +
      '(default: all). 409 CASE_MACHINE_OUTDATED for a case on another machine version, 409 CASE_HISTORY_NOT_REPLAYABLE if the machine refuses its history.',
  })
  @ApiQuery({ name: 'upTo', required: false, schema: { type: 'integer', minimum: 1 }, description: 'The last sequence to include.' })
  @ApiJson(200, 'Replay', 'The case after each event, in sequence order.')
  @ApiProblems('VALIDATION_FAILED', 'CASE_NOT_FOUND', 'CASE_MACHINE_OUTDATED', 'CASE_HISTORY_NOT_REPLAYABLE')
  async replay(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @CurrentCaseAccess() access: CaseAccess,
  ): Promise<unknown> {
    const caseId = parseCaseId(id);
    return this.replays.replay(caseId, parseReplayQuery(query).upTo, access);
  }
}
