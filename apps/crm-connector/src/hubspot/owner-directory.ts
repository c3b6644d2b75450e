import { Inject, Injectable } from '@nestjs/common';
import { JsonLogger } from '@baton/observability';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import { HubSpotApi } from './hubspot-api.js';

/** The owner list is read again at most this often, when an unknown user shows up. */
const REFRESH_MS = 60_000;

/**
 * HubSpot user id → owner id. Webhooks name the user who made a change ("userId:<id>"); Baton's
 * roster and assignments speak owner ids. The owner list is read once and again only when an
 * unknown user shows up, at most once a minute. A failed read is logged and the actor
 * keeps its user id only: who acted must never hold up the intake.
 */
@Injectable()
export class HubSpotOwnerDirectory {
  private byUser = new Map<string, string>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private readonly log = new JsonLogger('hubspot.owners');

  constructor(
    private readonly api: HubSpotApi,
    @Inject(CONNECTOR_CLOCK) private readonly clock: Clock,
  ) {}

  async resolve(userIds: readonly string[]): Promise<(userId: string) => string | undefined> {
    const missing = userIds.some((u) => !this.byUser.has(u));
    if (missing && this.clock.now() - this.loadedAt >= REFRESH_MS) {
      this.loadedAt = this.clock.now();
      try {
        const owners = await this.api.listOwners();
        this.byUser = new Map(owners.filter((o) => o.userId).map((o) => [o.userId!, o.id]));
      } catch (err) {
        this.log.warn('could not read HubSpot owners; actors keep their user id only', {
          error: err as Error,
        });
      }
    }
    return (userId) => this.byUser.get(userId);
  }
}
