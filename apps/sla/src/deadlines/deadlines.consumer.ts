import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '@baton/domain';
import { OnEvent, type BatchItem } from '@baton/platform';
import { DeadlinesService } from './deadlines.service.js';
import { FiringLoop } from './firing.loop.js';

/** Kafka in: assignments arm timers, rep work and alert actions stop them, alert receipts end system time. */
@Controller()
export class DeadlinesConsumer {
  constructor(
    private readonly deadlines: DeadlinesService,
    private readonly loop: FiringLoop,
  ) {}

  @OnEvent(Topics.LeadAssigned, { batch: true })
  async assigned(@Payload() items: BatchItem<typeof Topics.LeadAssigned>[]): Promise<void> {
    const earliest = await this.deadlines.arm(items.map((i) => i.event));
    if (earliest) this.loop.wake(earliest);
  }

  @OnEvent(Topics.LeadActivity, { batch: true })
  async activity(@Payload() items: BatchItem<typeof Topics.LeadActivity>[]): Promise<void> {
    await this.deadlines.onActivities(items.map((i) => i.event));
  }

  @OnEvent(Topics.RepAction, { batch: true })
  async repAction(@Payload() items: BatchItem<typeof Topics.RepAction>[]): Promise<void> {
    await this.deadlines.onRepActions(items.map((i) => i.event));
  }

  @OnEvent(Topics.NotificationSent, { batch: true })
  async receipt(@Payload() items: BatchItem<typeof Topics.NotificationSent>[]): Promise<void> {
    await this.deadlines.onReceipts(items.map((i) => i.event));
  }
}
