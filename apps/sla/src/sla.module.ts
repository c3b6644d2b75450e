import { Module } from '@nestjs/common';
import { RepPauseWorker } from './availability/rep-pause.worker.js';
import { ActivityStore } from './database/activity.store.js';
import { AssignmentStore } from './database/assignment.store.js';
import { RepPauseStore } from './database/rep-pause.store.js';
import { ReportStore } from './database/report.store.js';
import { TimerStore } from './database/timer.store.js';
import { DeadlinesConsumer } from './deadlines/deadlines.consumer.js';
import { DeadlinesController } from './deadlines/deadlines.controller.js';
import { DeadlinesService } from './deadlines/deadlines.service.js';
import { FiringLoop } from './deadlines/firing.loop.js';
import { FiringService } from './deadlines/firing.service.js';
import { slaClockProvider } from './deadlines/sla-clock.js';
import { ReportController } from './report/report.controller.js';
import { SlaGauges } from './report/sla-gauges.js';

/** The features of sla: deadlines (arming, stopping, firing) with the lead's SLA view, the report, rep pauses. */
@Module({
  controllers: [DeadlinesConsumer, DeadlinesController, ReportController],
  providers: [
    slaClockProvider,
    DeadlinesService,
    FiringService,
    FiringLoop,
    AssignmentStore,
    TimerStore,
    ActivityStore,
    ReportStore,
    SlaGauges,
    RepPauseStore,
    RepPauseWorker,
  ],
})
export class SlaModule {}
