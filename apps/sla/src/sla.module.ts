import { Module } from '@nestjs/common';
import { DeadlinesStore } from './database/deadlines.store.js';
import { DeadlinesConsumer } from './deadlines/deadlines.consumer.js';
import { DeadlinesController } from './deadlines/deadlines.controller.js';

/** The features of sla: Kafka handlers and HTTP routes (controllers), stores (providers). */
@Module({
  controllers: [DeadlinesConsumer, DeadlinesController],
  providers: [DeadlinesStore],
})
export class SlaModule {}
