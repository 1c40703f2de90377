import { Controller, Get, Inject, type BeforeApplicationShutdown } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJson, ApiProblems } from '../common/openapi.js';
import { ProblemException } from '../common/problem.js';
import { Database } from '../database/database.js';
import { Can } from '../policy/can.js';

const startedAt = Date.now();

@ApiTags('operations')
@Can('health.read')
@Controller('health')
export class HealthController implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(@Inject(Database) private readonly database: Database) {}

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  /** Readiness turns 503 from now on: the drain period before the listener closes. */
  drain(): void {
    this.shuttingDown = true;
  }

  @Get()
  @ApiOperation({
    summary: 'Readiness',
    description: 'Up when the database answers; 503 while it does not or while the service shuts down.',
  })
  @ApiJson(200, 'Health', 'Ready: the database answers.')
  @ApiProblems('SHUTTING_DOWN')
  async ready() {
    if (this.shuttingDown) {
      throw new ProblemException(
        'SHUTTING_DOWN',
        { it: 'Il servizio si sta arrestando.', en: 'The service is shutting down.' },
        {},
        { 'Retry-After': '5' },
      );
    }
    const latencyMs = await this.database.ping();
    return {
      status: 'ok',
      database: { kind: this.database.kind, status: 'up', latencyMs: Math.round(latencyMs * 100) / 100 },
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness', description: 'The process answers (the database is not checked).' })
  @ApiJson(200, 'Liveness', 'Alive.')
  live() {
    return { status: 'ok' };
  }
}
