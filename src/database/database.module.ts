import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from './database.js';
import { OutboxSignal } from './outbox-signal.js';
import { ReplicaChannels } from './replica-channels.js';

/** Closes the database after the HTTP server has stopped taking requests (Nest's last hook). */
@Injectable()
class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly database: Database) {}
  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

/**
 * The opened (and migrated) database, and how writers tell readers that something committed: in
 * this process (OutboxSignal) and across replicas (ReplicaChannels). Global: every capability uses it.
 */
@Module({})
export class DatabaseModule {
  static forRoot(database: Database): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        { provide: Database, useValue: database },
        ReplicaChannels,
        { provide: OutboxSignal, useValue: new OutboxSignal() },
        DatabaseCloser,
      ],
      exports: [Database, ReplicaChannels, OutboxSignal],
    };
  }
}
