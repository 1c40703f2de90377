import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiJson, ApiProblems, ENUMS } from '../common/openapi.js';
import { CurrentActor, CurrentCaseAccess } from '../common/request-decorators.js';
import type { Actor, CaseAccess } from '../common/request-context.js';
import { DEFAULT_PAGE, MAX_PAGE } from '../common/request-parsing.js';
import { Can } from '../policy/can.js';
import { parseWorklistQuery } from './worklist-requests.js';
import { WorklistService } from './worklist.service.js';

@ApiTags('worklist')
@Controller('worklist')
export class WorklistController {
  constructor(@Inject(WorklistService) private readonly worklist: WorklistService) {}

  @Get()
  @Can('worklist.read')
  @ApiOperation({
    summary: 'What is due: the worklist',
    description:
      'Active, real (not practice) cases, the most urgent first: overdue ones (the earliest days), then by the day their next legal deadline is due, cases with no pending deadline last; ties by case id. Days are counted in Europe/Rome. Pass nextCursor back as cursor for the next page.',
  })
  @ApiQuery({
    name: 'scope',
    required: false,
    enum: ['mine', 'office'],
    description: "mine (default): the cases assigned to the signed-in operator; office: every case of the operator's offices in reach.",
  })
  @ApiQuery({
    name: 'officeId',
    required: false,
    schema: { type: 'string', format: 'uuid' },
    description: 'One office (among those in reach: another lists nothing, as GET /cases does).',
  })
  @ApiQuery({
    name: 'overdue',
    required: false,
    enum: ['true', 'false'],
    description: "true: only the cases whose next deadline's day has passed (Europe/Rome).",
  })
  @ApiQuery({
    name: 'dueBefore',
    required: false,
    schema: { type: 'string', format: 'date' },
    description:
      'Only the cases whose next deadline is due strictly before this day (YYYY-MM-DD): dueBefore=2027-03-01 lists up to 28 February.',
  })
  @ApiQuery({
    name: 'service',
    required: false,
    enum: ENUMS.serviceKey.enum,
    description: 'Only the cases in which this service is in progress (its status `active`).',
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE } })
  @ApiQuery({ name: 'cursor', required: false, description: 'The nextCursor of the previous page' })
  @ApiJson(200, 'Worklist', 'A page of the worklist.')
  @ApiProblems('VALIDATION_FAILED')
  async list(
    @Query() query: Record<string, unknown>,
    @CurrentActor() actor: Actor,
    @CurrentCaseAccess() access: CaseAccess,
  ): Promise<unknown> {
    return this.worklist.worklist(parseWorklistQuery(query), actor, access);
  }
}
