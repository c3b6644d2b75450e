import { Module } from '@nestjs/common';
import { DueContactStore } from './due-contact.store.js';
import { ExecutedCommandStore } from './executed-command.store.js';
import { HubSpotInboxStore } from './hubspot-inbox.store.js';
import { LeadSnapshotStore } from './lead-snapshot.store.js';
import { LoggedActivityStore } from './logged-activity.store.js';
import { RoundLockStore } from './round-lock.store.js';
import { StreamCursorStore } from './stream-cursor.store.js';
import { WriteLogStore } from './write-log.store.js';

const STORES = [
  DueContactStore,
  ExecutedCommandStore,
  HubSpotInboxStore,
  LeadSnapshotStore,
  LoggedActivityStore,
  RoundLockStore,
  StreamCursorStore,
  WriteLogStore,
];

/** The connector's stores: every SQL statement it runs. */
@Module({ providers: STORES, exports: STORES })
export class ConnectorDatabaseModule {}
