import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventOf } from '@baton/domain';
import type { ProcessedEvents } from '@baton/persistence';
import {
  CLOCK,
  OnEvent,
  SERVICE_POLICY,
  ServiceRuntime,
  type Clock,
  type LoadedPolicy,
} from '@baton/platform';
import { DeadlinesStore } from '../database/deadlines.store.js';
import type { SlaPolicy } from '../policy/policy.js';
import { arrivalOf } from './arrival.js';

/** Handles lead.activity.v1: records each event once, in time or late by the policy. */
@Controller()
export class DeadlinesConsumer {
  /** Delivery is at least once: the claim of the event id commits with the effect, or neither does. */
  private readonly processed: ProcessedEvents;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly store: DeadlinesStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_POLICY) private readonly policy: LoadedPolicy<SlaPolicy>,
  ) {
    this.processed = runtime.processed('deadlines');
  }

  @OnEvent(Topics.LeadActivity)
  async handle(@Payload() event: CloudEvent<EventOf<typeof Topics.LeadActivity>>): Promise<void> {
    const occurredAt = new Date(event.time);
    const handledAt = this.clock.now();
    const { late } = arrivalOf(occurredAt, handledAt, this.policy.policy);
    await this.runtime.transaction(async (manager) => {
      if (!(await this.processed.claim(manager, event.id))) return;
      await this.store.record(manager, {
        eventId: event.id,
        leadId: event.subject,
        occurredAt,
        handledAt,
        late,
        policyVersion: this.policy.version,
      });
    });
  }
}
