import { Module } from '@nestjs/common';
import { InspectorController } from './inspector.controller.js';

/** The visual inspector's page and assets (GET /inspector); its data comes from the public API. */
@Module({ controllers: [InspectorController] })
export class InspectorModule {}
