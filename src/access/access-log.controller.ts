import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiJson, ApiProblems } from '../common/openapi.js';
import { Can } from '../policy/can.js';
import { ACCESS_PAGE, AccessLog, parseAccessQuery } from './access-log.js';

/**
 * The admins' view of the access log. Beside the admin registry (same path prefix, same role), but
 * here: the access log uses identity, so identity must not import it back.
 */
@ApiTags('admin')
@Controller('admin')
@Can('admin.accessLog')
export class AccessLogController {
  constructor(@Inject(AccessLog) private readonly accessLog: AccessLog) {}

  @Get('access-log')
  @ApiOperation({
    summary: "Who read which real case's personal data, when and how: newest first",
    description:
      'One item per read of a case, its history, stream, replay, transitions or inspection (practice cases are not recorded). Filter by case, operator or time (from inclusive, to exclusive); pass nextCursor back as cursor for the next page.',
  })
  @ApiQuery({ name: 'caseId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiQuery({ name: 'operatorId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiQuery({ name: 'from', required: false, schema: { type: 'string', format: 'date-time' }, description: 'Inclusive' })
  @ApiQuery({ name: 'to', required: false, schema: { type: 'string', format: 'date-time' }, description: 'Exclusive' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: ACCESS_PAGE.max, default: ACCESS_PAGE.default },
  })
  @ApiQuery({ name: 'cursor', required: false, description: 'The nextCursor of the previous page' })
  @ApiJson(200, 'AccessLogPage', 'A page of the access log, newest first.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'VALIDATION_FAILED')
  page(@Query() query: Record<string, unknown>) {
    return this.accessLog.query(parseAccessQuery(query));
  }
}
