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
import { MatchEntity } from './match.entity.js';
import { MatchRepository } from './match.repository.js';
import { MatchService } from './match.service.js';
import { MatchesController } from './matches.controller.js';
import { OfficeAssigneesController } from './office-assignees.controller.js';

/** The cases' tables. */
export const CASE_ENTITIES = [CaseEntity, CaseEventEntity, IdempotencyKeyEntity, CaseDeadlineEntity, MatchEntity];

/**
 * Cases: opening, events, reading, replay and the live streams; and the matching acts, which are
 * events on two cases at once (POST /cases/:id/events takes the same path for an event that names
 * the other case, so matches live with the cases rather than in a folder that would import them both ways).
 */
@Module({
  imports: [IdentityModule, AccessLogModule],
  controllers: [CasesController, CaseStreamController, MatchesController, OfficeAssigneesController],
  providers: [
    CaseRepository,
    CaseFeed,
    MatchRepository,
    MatchService,
    DeadlineRepository,
    DeadlineScheduler,
    CaseService,
    CasePlacementService,
    CaseReplayService,
    CaseStreamService,
  ],
  exports: [CaseService, CaseRepository, DeadlineScheduler],
})
export class CasesModule {}
