import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type LeadReassignmentRequested } from '@baton/domain';
import { OnEvent, type BatchItem } from '@baton/platform';
import { AssignmentService } from './assignment.service.js';

/** Qualified leads (a batch per transaction) and reassignment requests in. */
@Controller()
export class AssignmentConsumer {
  constructor(private readonly assignments: AssignmentService) {}

  @OnEvent(Topics.LeadQualified, { batch: true })
  async qualified(@Payload() items: BatchItem<typeof Topics.LeadQualified>[]): Promise<void> {
    await this.assignments.assignQualified(items.map((i) => i.event));
  }

  @OnEvent(Topics.LeadReassignmentRequested)
  async reassign(@Payload() event: CloudEvent<LeadReassignmentRequested>): Promise<void> {
    await this.assignments.reassign(event);
  }
}
