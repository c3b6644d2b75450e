import { Module } from '@nestjs/common';
import { ActivityStore } from './database/activity.store.js';
import { AssignmentStore } from './database/assignment.store.js';
import { TimerStore } from './database/timer.store.js';
import { DeadlinesConsumer } from './deadlines/deadlines.consumer.js';
import { DeadlinesController } from './deadlines/deadlines.controller.js';
import { DeadlinesService } from './deadlines/deadlines.service.js';
import { FiringLoop } from './deadlines/firing.loop.js';
import { FiringService } from './deadlines/firing.service.js';
import { slaClockProvider } from './deadlines/sla-clock.js';

/** The features of sla: deadlines (arming, stopping, firing), the lead's SLA view. */
@Module({
  controllers: [DeadlinesConsumer, DeadlinesController],
  providers: [
    slaClockProvider,
    DeadlinesService,
    FiringService,
    FiringLoop,
    AssignmentStore,
    TimerStore,
    ActivityStore,
  ],
})
export class SlaModule {}
