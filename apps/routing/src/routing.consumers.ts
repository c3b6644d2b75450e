import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { Topics } from '@baton/domain';
import type { ConsumerOptions } from '@baton/kafka';
import { ServiceRuntime } from '@baton/platform';
import { AssignmentService } from './assignment/assignment.service.js';
import type { RoutingSettings } from './config.js';
import { storeProfiles } from './profiles/profile.store.js';
import { ROUTING_SETTINGS } from './tokens.js';

/** The service's Kafka side: qualified leads and reassignment requests in, stored profiles for enrichment. */
export function routingConsumer(
  runtime: ServiceRuntime,
  assignments: AssignmentService,
  settings: Pick<RoutingSettings, 'maxBatch' | 'concurrency' | 'consumerGroup'>,
  overrides: Partial<ConsumerOptions> = {},
) {
  const consumer = runtime.consumer({
    maxBatchSize: settings.maxBatch,
    partitionsConsumedConcurrently: settings.concurrency,
    ...(settings.consumerGroup ? { groupId: settings.consumerGroup } : {}),
    ...overrides,
  });
  consumer.onBatch(Topics.LeadQualified, async (items) => {
    await assignments.assignQualified(items.map((i) => i.event));
  });
  consumer.onBatch(Topics.LeadProfile, async (items) => {
    await runtime.transaction((em) =>
      storeProfiles(
        em,
        items.map((i) => i.event),
      ),
    );
  });
  consumer.on(Topics.LeadReassignmentRequested, async (event) => {
    await assignments.reassign(event);
  });
  return consumer;
}

@Injectable()
export class RoutingConsumers implements OnApplicationBootstrap {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly assignments: AssignmentService,
    @Inject(ROUTING_SETTINGS) private readonly settings: RoutingSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await routingConsumer(this.runtime, this.assignments, this.settings).start();
  }
}
