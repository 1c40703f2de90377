import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiJson, ApiProblems, ENUMS } from '../common/openapi.js';
import { parseUuid } from '../common/request-parsing.js';
import { WebhooksService } from './webhooks.service.js';
import { Can } from '../policy/can.js';

const SUBSCRIPTION_BODY = { $ref: '#/components/schemas/SubscriptionInput' };

@ApiTags('webhooks')
@Can('webhooks.manage')
@Controller('webhooks')
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Post('subscriptions')
  @ApiOperation({
    summary: 'Subscribe to transitions',
    description: 'The response holds the signing secret (whsec_...): it is shown only this once.',
  })
  @ApiBody({ schema: { allOf: [SUBSCRIPTION_BODY], required: ['url'] } })
  @ApiJson(201, 'SubscriptionWithSecret', 'Created, with `secret`.')
  @ApiProblems('VALIDATION_FAILED', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE')
  create(@Body() body: unknown) {
    return this.webhooks.create(body);
  }

  @Get('subscriptions')
  @ApiOperation({ summary: 'List subscriptions (secrets are never shown)' })
  @ApiJson(200, 'SubscriptionList', 'Every subscription, oldest first.')
  @ApiProblems()
  list() {
    return this.webhooks.list();
  }

  @Get('subscriptions/:id')
  @ApiOperation({ summary: 'One subscription' })
  @ApiJson(200, 'Subscription', 'The subscription.')
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
  @ApiJson(200, 'Subscription', 'Changed.')
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE')
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
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: { graceHours: { type: 'number', minimum: 0, maximum: 720, default: 24 } },
    },
  })
  @ApiJson(200, 'SubscriptionWithSecret', 'Rotated, with the new `secret`.')
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE')
  rotate(@Param('id') id: string, @Body() body: unknown) {
    return this.webhooks.rotateSecret(parseUuid(id), body);
  }

  @Post('subscriptions/:id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a webhook.test message' })
  @ApiJson(202, 'TestQueued', 'Queued (paused while the subscription is disabled).')
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND')
  test(@Param('id') id: string) {
    return this.webhooks.sendTest(parseUuid(id));
  }

  @Get('subscriptions/:id/deliveries')
  @ApiOperation({ summary: "A subscription's deliveries, oldest first" })
  @ApiQuery({ name: 'status', required: false, enum: ENUMS.deliveryStatus.enum })
  @ApiQuery({ name: 'caseId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false, description: 'The nextCursor of the previous page' })
  @ApiJson(200, 'DeliveryList', 'A page of deliveries, oldest first.')
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
      additionalProperties: false,
      properties: {
        from: { type: 'string', format: 'date-time', nullable: true },
        to: { type: 'string', format: 'date-time', nullable: true },
        types: { type: 'array', items: ENUMS.eventType, maxItems: 200 },
      },
    },
  })
  @ApiJson(202, 'ReplayQueued', 'Queued: how many deliveries.')
  @ApiProblems('VALIDATION_FAILED', 'SUBSCRIPTION_NOT_FOUND', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE')
  replay(@Param('id') id: string, @Body() body: unknown) {
    return this.webhooks.replay(parseUuid(id), body);
  }

  @Get('deliveries/:id/attempts')
  @ApiOperation({ summary: "A delivery's attempts: time, duration, status code, error class, first 4 KiB of the response" })
  @ApiJson(200, 'AttemptList', 'The delivery and its attempts, oldest first.')
  @ApiProblems('VALIDATION_FAILED', 'DELIVERY_NOT_FOUND')
  attempts(@Param('id') id: string) {
    return this.webhooks.attempts(parseUuid(id));
  }

  @Post('deliveries/:id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again now, with a fresh retry schedule' })
  @ApiJson(202, 'Delivery', 'Queued again.')
  @ApiProblems('VALIDATION_FAILED', 'DELIVERY_NOT_FOUND', 'DELIVERY_IN_FLIGHT')
  retry(@Param('id') id: string) {
    return this.webhooks.retry(parseUuid(id));
  }
}
