import { Module } from '@nestjs/common';
import { IndicatorFactEntity, IndicatorSubjectEntity } from './indicator-fact.entity.js';
import { IndicatorsController } from './indicators.controller.js';
import { IndicatorsRepository } from './indicators.repository.js';
import { IndicatorsService } from './indicators.service.js';

/** The indicators' tables: one row per act and indicator it feeds, and the subjects they count. */
export const INDICATOR_ENTITIES = [IndicatorSubjectEntity, IndicatorFactEntity];

/** The Region's indicators 1.1-10.3, read from the event log (GET /indicators). */
@Module({
  controllers: [IndicatorsController],
  providers: [IndicatorsRepository, IndicatorsService],
})
export class IndicatorsModule {}
