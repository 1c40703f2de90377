import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Clock, SystemClock } from './clock.js';
import { RouteTable } from './route-table.js';

/** Cross-cutting providers for every module: the clock, and the table of the app's routes (for 404 and 405). */
@Module({})
export class CommonModule {
  static forRoot(args: { clock?: Clock }): DynamicModule {
    return {
      module: CommonModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [{ provide: Clock, useValue: args.clock ?? new SystemClock() }, RouteTable],
      exports: [Clock, RouteTable],
    };
  }
}
