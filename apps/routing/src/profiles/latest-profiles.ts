import type { CloudEvent, LeadProfile } from '@baton/domain';

/**
 * The newest profile of each lead in a batch (by occurredAt; a tie goes to the later delivery),
 * so a late duplicate or an out-of-order delivery never overwrites fresher facts. Qualification
 * events are enriched from the stored profiles: the CRM may know the state, industry or owner
 * that scoring did not carry.
 */
export function latestProfiles(events: CloudEvent<LeadProfile>[]): LeadProfile[] {
  const latest = new Map<string, LeadProfile>();
  for (const { data } of events) {
    const seen = latest.get(data.leadId);
    if (!seen || Date.parse(seen.occurredAt) <= Date.parse(data.occurredAt)) latest.set(data.leadId, data);
  }
  return [...latest.values()];
}
