import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  Topics,
  type CloudEvent,
  type EventOf,
  type LeadActivity,
  type LeadDisqualified,
  type LeadEngagement,
  type LeadProfile,
} from '@baton/domain';
import { OnEvent, ServiceRuntime, type BatchItem } from '@baton/platform';
import { ScoringEngine, type IntakeEvent } from './scoring-engine.js';

const INTAKE = [Topics.LeadEngagement, Topics.LeadProfile, Topics.LeadActivity] as const;
type IntakeTopic = (typeof INTAKE)[number];

function intakeEvent(topic: string, event: CloudEvent<EventOf<IntakeTopic>>): IntakeEvent {
  switch (topic) {
    case Topics.LeadEngagement:
      return { type: 'engagement', eventId: event.id, data: event.data as LeadEngagement };
    case Topics.LeadProfile:
      return { type: 'profile', eventId: event.id, data: event.data as LeadProfile };
    case Topics.LeadActivity:
      return { type: 'activity', eventId: event.id, data: event.data as LeadActivity };
    default:
      throw new Error(`scoring does not take ${topic} as intake`);
  }
}

/**
 * What scoring consumes, in group SCORING_CONSUMER_GROUP. Engagement, profile and activity events
 * go through the batch pipeline, the batches of one fetch (every partition and topic) merged into
 * one transaction; disqualifications one by one.
 */
@Controller()
export class IntakeConsumer {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly engine: ScoringEngine,
  ) {}

  @OnEvent(INTAKE, { batch: true, coalesce: true })
  async intake(@Payload() items: BatchItem<IntakeTopic>[]): Promise<void> {
    await this.runtime.transaction((em) =>
      this.engine.apply(
        em,
        items.map(({ event, ctx }) => intakeEvent(ctx.topic, event)),
      ),
    );
  }

  @OnEvent(Topics.LeadDisqualified)
  async disqualified(@Payload() event: CloudEvent<LeadDisqualified>): Promise<void> {
    await this.runtime.transaction((em) => this.engine.disqualify(em, event.id, event.data));
  }
}
