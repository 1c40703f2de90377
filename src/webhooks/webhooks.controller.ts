import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/openapi.js';
import { parseUuid } from '../common/request-parsing.js';
import { WebhooksService } from './webhooks.service.js';

const SUBSCRIPTION_BODY = {
  type: 'object',
  properties: {
    url: { type: 'string', example: 'https://receiver.example.org/percorsi' },
    description: { type: 'string', maxLength: 500 },
    filter: {
      type: 'object',
      description:
        'Empty lists: everything. An event matches when its pathway is listed (or none is) and its type or its service is listed (or neither list is given).',
      properties: {
        pathways: { type: 'array', items: { type: 'string', enum: ['person', 'employer'] } },
        eventTypes: { type: 'array', items: { type: 'string' }, example: ['PATTO_SIGNED', 'HIRED'] },
        services: { type: 'array', items: { type: 'string' }, example: ['A2', 'A6'] },
      },
    },
    ordering: { type: 'string', enum: ['per-case', 'none'], default: 'per-case' },
    enabled: { type: 'boolean', default: true },
  },
};

@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Post('subscriptions')
  @ApiOperation({
    summary: 'Subscribe to transitions',
    description: 'The response holds the signing secret (whsec_...): it is shown only this once.',
  })
  @ApiBody({ schema: { ...SUBSCRIPTION_BODY, required: ['url'] } })
  @ApiResponse({ status: 201, description: 'Created, with `secret`.' })
  @ApiProblems('VALIDATION_FAILED', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE')
  create(@Body() body: unknown) {
    return this.webhooks.create(body);
  }

  @Get('subscriptions')
  @ApiOperation({ summary: 'List subscriptions (secrets are never shown)' })
  list() {
    return this.webhooks.list();
  }

  @Get('subscriptions/:id')
  @ApiOperation({ summary: 'One subscription' })
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND')
  get(@Param('id') id: string) {
    return this.webhooks.get(parseUuid(id));
  }

  @Patch('subscriptions/:id')
  @ApiOperation({
    summary: 'Change url, description, filter, ordering or enabled',
    description: 'Enabling again resumes the paused deliveries.',
  })
  @ApiBody({ schema: SUBSCRIPTION_BODY })
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE')
  update(@Param('id') id: string, @Body() body: unknown) {
    return this.webhooks.update(parseUuid(id), body);
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription and its deliveries' })
  @ApiResponse({ status: 204, description: 'Deleted.' })
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND')
  async remove(@Param('id') id: string): Promise<void> {
    await this.webhooks.remove(parseUuid(id));
  }

  @Post('subscriptions/:id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the signing secret',
    description: 'Returns the new secret; the old one also signs for graceHours (default 24, 0-720).',
  })
  @ApiBody({ required: false, schema: { type: 'object', properties: { graceHours: { type: 'number', default: 24 } } } })
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND')
  rotate(@Param('id') id: string, @Body() body: unknown) {
    return this.webhooks.rotateSecret(parseUuid(id), body);
  }

  @Post('subscriptions/:id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a webhook.test message' })
  @ApiResponse({ status: 202, description: 'Queued.' })
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND')
  test(@Param('id') id: string) {
    return this.webhooks.sendTest(parseUuid(id));
  }

  @Get('subscriptions/:id/deliveries')
  @ApiOperation({ summary: "A subscription's deliveries, oldest first" })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'in_flight', 'succeeded', 'failed', 'paused'] })
  @ApiQuery({ name: 'caseId', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND')
  deliveries(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.webhooks.deliveries(parseUuid(id), query);
  }

  @Post('subscriptions/:id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Deliver past transitions again',
    description:
      'Queues the committed transitions recorded in [from, to) that the filter wants (narrowed to types), with their original webhook-ids.',
  })
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      properties: {
        from: { type: 'string', format: 'date-time' },
        to: { type: 'string', format: 'date-time' },
        types: { type: 'array', items: { type: 'string' } },
      },
    },
  })
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND')
  replay(@Param('id') id: string, @Body() body: unknown) {
    return this.webhooks.replay(parseUuid(id), body);
  }

  @Get('deliveries/:id/attempts')
  @ApiOperation({ summary: "A delivery's attempts: time, duration, status code, error class, first 4 KiB of the response" })
  @ApiOkResponse({ description: '{delivery, items}' })
  @ApiProblems('VALIDATION_FAILED', 'DELIVERY_NOT_FOUND')
  attempts(@Param('id') id: string) {
    return this.webhooks.attempts(parseUuid(id));
  }

  @Post('deliveries/:id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again now, with a fresh retry schedule' })
  @ApiProblems('VALIDATION_FAILED', 'DELIVERY_NOT_FOUND', 'DELIVERY_IN_FLIGHT')
  retry(@Param('id') id: string) {
    return this.webhooks.retry(parseUuid(id));
  }
}
