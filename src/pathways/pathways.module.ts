import { Module } from '@nestjs/common';
import { PathwaysController } from './pathways.controller.js';

/** The pathways this service runs, described from machines/ (GET /pathways). */
@Module({ controllers: [PathwaysController] })
export class PathwaysModule {}
