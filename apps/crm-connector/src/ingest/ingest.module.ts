import { Module } from '@nestjs/common';
import { CONNECTOR_CLOCK, systemClock } from '../api-budget/clock.js';
import { CONNECTOR_TUNING, DEFAULT_TUNING } from '../config/tuning.js';
import { ConnectorDatabaseModule } from '../database/database.module.js';
import { LeadIngest } from './lead-ingest.js';

/**
 * What either CRM's intake and the commands share: the connector's clock and tuning (tests
 * replace both), the stores, and the lead ingest that turns CRM changes into domain events.
 */
@Module({
  imports: [ConnectorDatabaseModule],
  providers: [
    { provide: CONNECTOR_CLOCK, useValue: systemClock },
    { provide: CONNECTOR_TUNING, useValue: DEFAULT_TUNING },
    LeadIngest,
  ],
  exports: [CONNECTOR_CLOCK, CONNECTOR_TUNING, LeadIngest, ConnectorDatabaseModule],
})
export class IngestModule {}
