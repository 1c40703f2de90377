import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Language } from '../config/app-config.js';
import { ApiProblems } from '../common/openapi.js';
import { CurrentCaseAccess, RequestLanguage } from '../common/request-decorators.js';
import type { CaseAccess } from '../common/request-context.js';
import { Can } from '../policy/can.js';
import { CSV_TYPE, indicatorsCsv } from './indicators-csv.js';
import { parseIndicatorsQuery } from './indicators-requests.js';
import { IndicatorsService, type IndicatorsReport } from './indicators.service.js';

const DAY_SCHEMA = { type: 'string', format: 'date', example: '2026-01-01' };

@ApiTags('indicators')
@Controller('indicators')
export class IndicatorsController {
  constructor(@Inject(IndicatorsService) private readonly indicators: IndicatorsService) {}

  @Get()
  @Can('indicators.read')
  @ApiOperation({
    summary: "The Region's indicators 1.1-10.3 (indicatori fisici)",
    description:
      'Counted at each request from the facts each event writes with itself (an act counts in the next request), for a period of days (Europe/Rome, both inclusive) and the offices in reach (or one of them). ' +
      'Practice cases never count. Definitions: docs/indicators.md. `Accept: text/csv` or `format=csv`: one row per office and indicator, ' +
      'separated by semicolons, UTF-8 with a byte order mark, labels in the language of Accept-Language.',
  })
  @ApiQuery({ name: 'from', required: false, schema: DAY_SCHEMA, description: 'First day (default: 1 January of the year of `to`).' })
  @ApiQuery({ name: 'to', required: false, schema: DAY_SCHEMA, description: 'Last day (default: today in Europe/Rome).' })
  @ApiQuery({
    name: 'officeId',
    required: false,
    schema: { type: 'string', format: 'uuid' },
    description: 'One office in reach (403 otherwise); default: every office in reach.',
  })
  @ApiQuery({
    name: 'pathway',
    required: false,
    enum: ['person', 'employer'],
    description: "Only that side's indicators (1.1-6.4 or 7.1-10.3).",
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'Overrides the Accept header.' })
  @ApiResponse({
    status: 200,
    description: 'The indicators (JSON), or the CSV.',
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/Indicators' } },
      'text/csv': { schema: { type: 'string', description: 'officeId;indicator;label;value, with a byte order mark.' } },
    },
  })
  @ApiProblems('VALIDATION_FAILED', 'FORBIDDEN')
  async read(
    @Query() query: Record<string, unknown>,
    @CurrentCaseAccess() access: CaseAccess,
    @RequestLanguage() language: Language,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<IndicatorsReport | string> {
    const parsed = parseIndicatorsQuery(query);
    const result = await this.indicators.compute(parsed, access);
    response.setHeader('Vary', 'Accept, Accept-Language');
    const csv = parsed.format ? parsed.format === 'csv' : request.accepts(['application/json', 'text/csv']) === 'text/csv';
    if (!csv) return result.report;
    response.setHeader('Content-Type', CSV_TYPE);
    response.setHeader('Content-Disposition', `attachment; filename="indicatori_${result.report.from}_${result.report.to}.csv"`);
    return indicatorsCsv(result, language);
  }
}
