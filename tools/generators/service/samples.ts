import { Topics, type EventOf, type TopicName } from '@baton/domain';

/**
 * One valid event per topic of the registry, written into a generated service's integration
 * spec (with the spec's lead id). Typed against the registry: a topic added to
 * libs/domain/src/topics.ts fails the typecheck here until it has a sample, and the generator's
 * spec parses each one with its contract's schema.
 */
export const SAMPLE_LEAD_ID = 'hubspot:contact:51';

const crm = { provider: 'hubspot', objectType: 'contact', id: '51' } as const;
const rep = {
  repId: 'rep-ada',
  name: 'Ada Byrne',
  email: 'ada.byrne@example.com',
  crmOwnerId: '9001',
  slackUserId: 'U0ADA',
  timeZone: 'Europe/Dublin',
};

export const SAMPLES: { readonly [T in TopicName]: EventOf<T> } = {
  [Topics.LeadProfile]: {
    leadId: SAMPLE_LEAD_ID,
    crm,
    change: 'created',
    occurredAt: '2026-11-23T14:00:00.000Z',
    identity: { fullName: 'Grace Hopper', email: 'grace@example.com', company: 'Example Ltd', country: 'IE' },
    firmographics: { employees: 120, industry: 'software' },
  },
  [Topics.LeadEngagement]: {
    leadId: SAMPLE_LEAD_ID,
    crm,
    kind: 'demo_requested',
    occurredAt: '2026-11-23T14:30:00.000Z',
    sourceEventId: 'form-submission-1',
    detail: { title: 'Book a demo' },
  },
  [Topics.LeadActivity]: {
    leadId: SAMPLE_LEAD_ID,
    crm,
    kind: 'call_logged',
    occurredAt: '2026-11-23T15:10:00.000Z',
    sourceEventId: 'call-1',
    actorOwnerId: '9001',
    actor: { kind: 'person', ownerId: '9001' },
  },
  [Topics.LeadDisqualified]: {
    leadId: SAMPLE_LEAD_ID,
    crm,
    reason: 'timing',
    occurredAt: '2026-11-23T16:00:00.000Z',
    sourceEventId: 'status-change-1',
  },
  [Topics.LeadScored]: {
    leadId: SAMPLE_LEAD_ID,
    score: 72,
    previousScore: 40,
    stage: 'mql',
    breakdown: [{ ruleId: 'demo', label: 'Requested a demo', group: 'engagement', points: 32 }],
    highIntentSignalCount: 1,
    rulesVersion: '1',
    scoredAt: '2026-11-23T14:30:01.000Z',
  },
  [Topics.LeadQualified]: {
    leadId: SAMPLE_LEAD_ID,
    qualificationId: 'qualification-1',
    crm,
    identity: { fullName: 'Grace Hopper', email: 'grace@example.com', company: 'Example Ltd', country: 'IE' },
    firmographics: { employees: 120, industry: 'software' },
    score: 72,
    threshold: 60,
    breakdown: [{ ruleId: 'demo', label: 'Requested a demo', group: 'engagement', points: 32 }],
    highIntentSignals: [
      { kind: 'demo_requested', label: 'Requested a demo', lastSeenAt: '2026-11-23T14:30:00.000Z' },
    ],
    summary: 'Grace Hopper of Example Ltd asked for a demo.',
    rulesVersion: '1',
    qualifiedAt: '2026-11-23T14:30:01.000Z',
  },
  [Topics.LeadRecycled]: {
    leadId: SAMPLE_LEAD_ID,
    crm,
    reason: 'timing',
    previousStage: 'sql',
    scoreBefore: 72,
    scoreAfter: 20,
    nurtureProgram: 'nurture-1',
    recycledAt: '2026-11-23T16:00:01.000Z',
  },
  [Topics.LeadAssigned]: {
    leadId: SAMPLE_LEAD_ID,
    assignmentId: 'assignment-1',
    qualificationId: 'qualification-1',
    crm,
    rep,
    ruleId: 'emea',
    pool: 'emea-inbound',
    strategy: 'weighted_rotation',
    reason: 'EMEA inbound lead, next in the weighted rotation',
    lead: {
      identity: {
        fullName: 'Grace Hopper',
        email: 'grace@example.com',
        company: 'Example Ltd',
        country: 'IE',
      },
      firmographics: { employees: 120, industry: 'software' },
      score: 72,
      summary: 'Grace Hopper of Example Ltd asked for a demo.',
    },
    assignedAt: '2026-11-23T15:00:00.000Z',
  },
  [Topics.LeadReassignmentRequested]: {
    leadId: SAMPLE_LEAD_ID,
    assignmentId: 'assignment-1',
    requestedBy: 'sla',
    cause: 'first touch deadline missed',
    excludeRepIds: ['rep-ada'],
    requestedAt: '2026-11-23T16:00:00.000Z',
  },
  [Topics.CrmCommand]: {
    commandId: 'command-1',
    leadId: SAMPLE_LEAD_ID,
    crm,
    issuedBy: 'baton/routing',
    issuedAt: '2026-11-23T15:00:00.000Z',
    action: 'update_lead',
    changes: { ownerId: '9001' },
  },
  [Topics.SlaBreached]: {
    leadId: SAMPLE_LEAD_ID,
    timerId: 'timer-1',
    assignmentId: 'assignment-1',
    policy: 'first_touch',
    rung: 0,
    action: 'remind_rep',
    rep,
    deadline: '2026-11-23T15:30:00.000Z',
    breachedAt: '2026-11-23T15:30:00.000Z',
    lead: { name: 'Grace Hopper', company: 'Example Ltd', score: 72 },
  },
  [Topics.SlaMet]: {
    leadId: SAMPLE_LEAD_ID,
    timerId: 'timer-1',
    assignmentId: 'assignment-1',
    policy: 'first_touch',
    repId: 'rep-ada',
    assignedAt: '2026-11-23T15:00:00.000Z',
    deadline: '2026-11-23T15:30:00.000Z',
    metAt: '2026-11-23T15:10:00.000Z',
    elapsedMs: 600_000,
  },
  [Topics.NotificationSent]: {
    leadId: SAMPLE_LEAD_ID,
    notificationId: 'notification-1',
    causationId: 'assigned-1',
    channel: 'slack',
    purpose: 'assignment_alert',
    recipient: 'U0ADA',
    status: 'delivered',
    sentAt: '2026-11-23T15:00:02.000Z',
  },
};
