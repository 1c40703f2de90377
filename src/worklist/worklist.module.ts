import { Module } from '@nestjs/common';
import { WorklistController } from './worklist.controller.js';
import { WorklistRepository } from './worklist.repository.js';
import { WorklistService } from './worklist.service.js';

/** The worklist: GET /worklist, read from the cases' next due days (no tables of its own). */
@Module({
  controllers: [WorklistController],
  providers: [WorklistRepository, WorklistService],
})
export class WorklistModule {}
