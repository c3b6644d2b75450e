import type { RoutingPolicy } from '../src/policy/policy.js';
import { workingHoursOf } from '../src/policy/policy.js';
import { RoutingBook } from '../src/assignment/router.js';
import type { RepState } from '../src/roster/rep.js';

/** The roster of a policy as the database would hold it right after seeding. */
export function bookFor(policy: RoutingPolicy, changes: Record<string, Partial<RepState>> = {}): RoutingBook {
  const reps = new Map<string, RepState>(
    policy.roster.reps.map((r) => [
      r.id,
      {
        id: r.id,
        name: r.name,
        email: r.email,
        crmOwnerIds: r.crmOwnerIds,
        slackUserId: r.slackUserId,
        teamsUserId: r.teamsUserId,
        managerId: r.managerId,
        timeZone: r.timeZone,
        workingHours: workingHoursOf(r, policy.roster),
        territories: r.territories,
        products: r.products,
        segments: r.segments,
        dailyCapacity: r.dailyCapacity,
        weight: r.weight,
        active: r.active,
        inRoster: true,
        openLeads: 0,
        ...changes[r.id],
      },
    ]),
  );
  return new RoutingBook(reps, new Map());
}
