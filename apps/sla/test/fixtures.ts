import type { LeadActivity, LeadAssigned } from '@baton/domain';

/** Test fixtures: events as the other services write them, and policies on the wall clock. */

const H = 3_600_000;

/** A lead.assigned.v1 as routing writes it: a New York rep working 09:00-17:00 on weekdays. */
export function assignment(n: number, overrides: Partial<LeadAssigned> & { at?: string } = {}): LeadAssigned {
  const { at, ...rest } = overrides;
  const assignedAt = at ?? '2026-11-24T15:00:00.000Z'; // Tuesday 10:00 in New York
  return {
    leadId: `hubspot:contact:${n}`,
    assignmentId: `asg-${n}`,
    qualificationId: `q-${n}`,
    crm: {
      provider: 'hubspot',
      objectType: 'contact',
      id: String(n),
      url: `https://app.hubspot.com/contacts/1/record/0-1/${n}`,
    },
    rep: {
      repId: 'ana.silva',
      name: 'Ana Silva',
      email: 'ana.silva@example.com',
      crmOwnerId: '1101',
      slackUserId: 'U0ANA',
      timeZone: 'America/New_York',
      workingHours: {
        mon: ['09:00-17:00'],
        tue: ['09:00-17:00'],
        wed: ['09:00-17:00'],
        thu: ['09:00-17:00'],
        fri: ['09:00-17:00'],
      },
      manager: {
        repId: 'marcus.lee',
        name: 'Marcus Lee',
        email: 'marcus.lee@example.com',
        crmOwnerId: '1100',
      },
    },
    ruleId: 'na-ent',
    pool: 'na-enterprise',
    strategy: 'weighted_rotation',
    reason: 'Enterprise lead in the United States: na-enterprise rotation',
    lead: {
      identity: { fullName: `Prospect ${n}`, company: `Company ${n}`, country: 'US' },
      firmographics: { employees: 2500, segment: 'enterprise', source: 'webinar' },
      score: 72,
      threshold: 60,
      summary: 'Requested a demo after two pricing-page visits.',
      qualifiedAt: new Date(Date.parse(assignedAt) - 2_000).toISOString(),
      signalReceivedAt: new Date(Date.parse(assignedAt) - 3_000).toISOString(),
    },
    assignedAt,
    ...rest,
  };
}

/** A call the assigned rep logged in HubSpot (the connector's activity reader marks the owner as a person). */
export function hubspotCall(
  n: number,
  occurredAt: string,
  ownerId = '1101',
  id = `calls:${n}`,
): LeadActivity {
  return {
    leadId: `hubspot:contact:${n}`,
    crm: { provider: 'hubspot', objectType: 'contact', id: String(n) },
    kind: 'call_logged',
    occurredAt,
    sourceEventId: `hubspot:${id}`,
    actorOwnerId: ownerId,
    actor: { kind: 'person', ownerId },
    subject: 'Intro call',
  };
}

export const HOUR = H;

/**
 * The text of a one-policy sla.yaml on the wall clock (tests read it in plain hours): `first_touch`
 * with a 2 h window, the given ladder and touch rules, then any further keys.
 */
export function wallClockPolicyText(
  version: string,
  ladder: string[] = [
    '{ at: 75%, action: remind_rep }',
    '{ at: 100%, action: escalate_to_manager }',
    '{ at: 200%, action: reassign }',
  ],
  opts: { stoppedBy?: string; extra?: string } = {},
): string {
  return `version: ${version}
policies:
  - id: first_touch
    window: 2h
    clock: wall
    stoppedBy: ${opts.stoppedBy ?? '{ activities: [call_logged] }'}
    ladder:
${ladder.map((r) => `      - ${r}`).join('\n')}
${opts.extra ?? ''}`;
}
