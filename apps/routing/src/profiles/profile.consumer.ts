import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '@baton/domain';
import { OnEvent, type BatchItem } from '@baton/platform';
import { LeadProfileStore } from '../database/lead-profile.store.js';
import { latestProfiles } from './latest-profiles.js';

/** Stored CRM profiles, for enriching qualified leads. */
@Controller()
export class ProfileConsumer {
  constructor(private readonly profiles: LeadProfileStore) {}

  @OnEvent(Topics.LeadProfile, { batch: true })
  async profile(@Payload() items: BatchItem<typeof Topics.LeadProfile>[]): Promise<void> {
    await this.profiles.save(latestProfiles(items.map((i) => i.event)));
  }
}
