import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiContent, ApiProblems } from '../common/openapi.js';
import { Clock } from '../common/clock.js';
import { Database } from '../database/database.js';
import { WebhookMetrics } from './webhook-metrics.js';
import { WebhookRepository } from './webhook.repository.js';
import { Can } from '../policy/can.js';

@ApiTags('operations')
@Can('metrics.read')
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(WebhookMetrics) private readonly metrics: WebhookMetrics,
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(WebhookRepository) private readonly repository: WebhookRepository,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'Webhook backlog (pending, paused, in flight, oldest pending age) and attempts by outcome.',
  })
  @ApiContent(200, ['text/plain'], 'The Prometheus text exposition format (version 0.0.4).')
  @ApiProblems()
  async scrape(): Promise<string> {
    const backlog = await this.repository.backlog(this.database.dataSource.manager, this.clock.now());
    this.metrics.pending.set(backlog.pending);
    this.metrics.paused.set(backlog.paused);
    this.metrics.inFlight.set(backlog.inFlight);
    this.metrics.oldestPending.set(backlog.oldestPendingSeconds);
    return this.metrics.registry.metrics();
  }
}
