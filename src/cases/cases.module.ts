import { Module } from '@nestjs/common';
import { CaseDeadlineEntity } from './case-deadline.entity.js';
import { CaseEventEntity } from './case-event.entity.js';
import { AccessLogModule } from '../access/access-log.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { CaseFeed } from './case-feed.js';
import { CasePlacementService } from './case-placement.service.js';
import { CaseReplayService } from './case-replay.service.js';
import { CaseStreamController } from './case-stream.controller.js';
import { CaseStreamService } from './case-stream.service.js';
import { CaseEntity } from './case.entity.js';
import { CaseRepository } from './case.repository.js';
import { CaseService } from './case.service.js';
import { CasesController } from './cases.controller.js';
import { DeadlineScheduler } from './deadline-scheduler.worker.js';
import { DeadlineRepository } from './deadline.repository.js';
import { IdempotencyKeyEntity } from './idempotency-key.entity.js';

/** The cases' tables. */
export const CASE_ENTITIES = [CaseEntity, CaseEventEntity, IdempotencyKeyEntity, CaseDeadlineEntity];

/** Cases: opening, events, reading, replay, the live streams and the deadline scheduler. */
@Module({
  imports: [IdentityModule, AccessLogModule],
  controllers: [CasesController, CaseStreamController],
  providers: [
    CaseRepository,
    CaseFeed,
    CaseService,
    CasePlacementService,
    CaseReplayService,
    CaseStreamService,
    DeadlineRepository,
    DeadlineScheduler,
  ],
  exports: [CaseService, CaseRepository, DeadlineScheduler],
})
export class CasesModule {}
