import { Module } from '@nestjs/common';
import { IndicatorsController } from './indicators.controller.js';
import { IndicatorsRepository } from './indicators.repository.js';
import { IndicatorsService } from './indicators.service.js';

/** The Region's indicators 1.1-10.3, read from the event log (GET /indicators). */
@Module({
  controllers: [IndicatorsController],
  providers: [IndicatorsRepository, IndicatorsService],
})
export class IndicatorsModule {}
