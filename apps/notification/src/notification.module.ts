import { Module } from '@nestjs/common';
import { LeadAssignedStore } from './database/lead-assigned.store.js';
import { LeadAssignedConsumer } from './lead-assigned/lead-assigned.consumer.js';
import { LeadAssignedController } from './lead-assigned/lead-assigned.controller.js';

/** The features of notification: Kafka handlers and HTTP routes (controllers), stores (providers). */
@Module({
  controllers: [LeadAssignedConsumer, LeadAssignedController],
  providers: [LeadAssignedStore],
})
export class NotificationModule {}
