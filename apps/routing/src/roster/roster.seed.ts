import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVICE_POLICY } from '@baton/platform';
import { PoolRotationStore } from '../database/pool-rotation.store.js';
import { RosterStore, type RepSeed } from '../database/roster.store.js';
import { workingHoursOf, type RoutingPolicy } from '../policy/policy.js';

/**
 * What roster.yaml says of each rep. The rule: a rep seen for the first time is inserted whole;
 * for a rep already in the table, the YAML refreshes who they are and what they cover (name,
 * contacts, CRM owner ids, manager, time zone, hours, territories, products, segments, daily
 * capacity) while the day-to-day state owned by the admin API (active, weight, out-of-office) is
 * left as it is. A rep removed from the YAML stays for history but is never routed to again.
 */
export function repSeeds(policy: RoutingPolicy): RepSeed[] {
  return policy.roster.reps.map((rep) => ({
    id: rep.id,
    profile: {
      id: rep.id,
      name: rep.name,
      email: rep.email,
      crmOwnerIds: rep.crmOwnerIds,
      slackUserId: rep.slackUserId,
      teamsUserId: rep.teamsUserId,
      managerId: rep.managerId,
      timeZone: rep.timeZone,
      workingHours: workingHoursOf(rep, policy.roster),
      territories: rep.territories,
      products: rep.products.map((p) => p.toLowerCase()),
      segments: rep.segments.map((s) => s.toLowerCase()),
      dailyCapacity: rep.dailyCapacity,
    },
    active: rep.active,
    weight: rep.weight,
  }));
}

/**
 * Seeds the roster table from roster.yaml at every start, before HTTP and the consumers, in one
 * transaction (safe with several replicas starting together); every pool gets its rotation row.
 */
@Injectable()
export class RosterSeed implements OnModuleInit {
  constructor(
    private readonly db: DataSource,
    @Inject(SERVICE_POLICY) private readonly policy: RoutingPolicy,
    private readonly roster: RosterStore,
    private readonly rotation: PoolRotationStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.db.transaction(async (em) => {
      await this.roster.seed(em, repSeeds(this.policy));
      await this.rotation.seed(em, [...this.policy.pools.keys()]);
    });
  }
}
