import { Module } from '@nestjs/common';
import { AssignmentConsumer } from './assignment/assignment.consumer.js';
import { AssignmentController } from './assignment/assignment.controller.js';
import { AssignmentService } from './assignment/assignment.service.js';
import { AssignmentStore } from './database/assignment.store.js';
import { LeadProfileStore } from './database/lead-profile.store.js';
import { PoolRotationStore } from './database/pool-rotation.store.js';
import { RosterStore } from './database/roster.store.js';
import { ProfileConsumer } from './profiles/profile.consumer.js';
import { RosterController } from './roster/roster.controller.js';
import { RosterSeed } from './roster/roster.seed.js';

/** Routing's features: assignment (Kafka in, "why did I get this lead?"), stored profiles, the roster admin API. */
@Module({
  controllers: [AssignmentConsumer, ProfileConsumer, AssignmentController, RosterController],
  providers: [
    AssignmentService,
    RosterSeed,
    AssignmentStore,
    LeadProfileStore,
    PoolRotationStore,
    RosterStore,
  ],
})
export class RoutingModule {}
