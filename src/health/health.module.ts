import { Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';

/** Readiness and liveness (GET /health, /health/live); main.ts drains readiness on shutdown. */
@Module({ controllers: [HealthController] })
export class HealthModule {}
