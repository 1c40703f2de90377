import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller.js';

/** The case managers' console (GET /) and the pages' shared files (GET /ui/...); its data come from the public API. */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
