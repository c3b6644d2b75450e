import type { z } from 'zod';
import {
  LeadActivitySchema,
  LeadDisqualifiedSchema,
  LeadEngagementSchema,
  LeadProfileSchema,
} from './events/inbound.js';
import {
  LeadAssignedSchema,
  LeadQualifiedSchema,
  LeadReassignmentRequestedSchema,
  LeadRecycledSchema,
  LeadScoredSchema,
} from './events/lifecycle-events.js';
import {
  CrmCommandSchema,
  NotificationSentSchema,
  RepActionSchema,
  SlaArmedSchema,
  SlaBreachedSchema,
  SlaMetSchema,
} from './events/operations.js';

/**
 * The one registry of Baton topics. A breaking change is a new topic (`.v2`), never an edit.
 * Nothing outside this file spells a topic name.
 */
export const Topics = {
  LeadProfile: 'lead.profile.v1',
  LeadEngagement: 'lead.engagement.v1',
  LeadActivity: 'lead.activity.v1',
  LeadDisqualified: 'lead.disqualified.v1',
  LeadScored: 'lead.scored.v1',
  LeadQualified: 'lead.qualified.v1',
  LeadRecycled: 'lead.recycled.v1',
  LeadAssigned: 'lead.assigned.v1',
  LeadReassignmentRequested: 'lead.reassignment.v1',
  CrmCommand: 'crm.command.v1',
  SlaBreached: 'sla.breached.v1',
  SlaMet: 'sla.met.v1',
  NotificationSent: 'notification.sent.v1',
  SlaArmed: 'sla.armed.v1',
  RepAction: 'rep.action.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

export interface TopicContract<S extends z.ZodType = z.ZodType> {
  readonly topic: TopicName;
  /** CloudEvents `type`. */
  readonly type: string;
  readonly schema: S;
  /** The services that publish it (a service's topics are derived from these lists). */
  readonly producers: readonly string[];
  readonly consumers: readonly string[];
  readonly description: string;
}

function contract<S extends z.ZodType>(
  topic: TopicName,
  schema: S,
  producers: string[],
  consumers: string[],
  description: string,
): TopicContract<S> {
  return { topic, type: `baton.${topic}`, schema, producers, consumers, description };
}

export const Contracts = {
  [Topics.LeadProfile]: contract(
    Topics.LeadProfile,
    LeadProfileSchema,
    ['crm-connector'],
    ['scoring', 'routing'],
    'The canonical lead as the CRM holds it now',
  ),
  [Topics.LeadEngagement]: contract(
    Topics.LeadEngagement,
    LeadEngagementSchema,
    ['crm-connector'],
    ['scoring'],
    'One thing the prospect did (page view, form, download, demo request...)',
  ),
  [Topics.LeadActivity]: contract(
    Topics.LeadActivity,
    LeadActivitySchema,
    ['crm-connector'],
    ['sla', 'scoring', 'notification'],
    'What a rep did: call, e-mail or meeting logged; status, owner or stage changed',
  ),
  [Topics.LeadDisqualified]: contract(
    Topics.LeadDisqualified,
    LeadDisqualifiedSchema,
    ['crm-connector'],
    ['scoring'],
    'A rep disqualified the lead, with the reason',
  ),
  [Topics.LeadScored]: contract(
    Topics.LeadScored,
    LeadScoredSchema,
    ['scoring'],
    [],
    "The lead's score changed",
  ),
  [Topics.LeadQualified]: contract(
    Topics.LeadQualified,
    LeadQualifiedSchema,
    ['scoring'],
    ['routing'],
    'The lead is sales-qualified on evidence: public contract',
  ),
  [Topics.LeadRecycled]: contract(
    Topics.LeadRecycled,
    LeadRecycledSchema,
    ['scoring'],
    [],
    'Sales returned the lead to marketing nurture',
  ),
  [Topics.LeadAssigned]: contract(
    Topics.LeadAssigned,
    LeadAssignedSchema,
    ['routing'],
    ['notification', 'sla'],
    'A rep was given the lead, and why',
  ),
  [Topics.LeadReassignmentRequested]: contract(
    Topics.LeadReassignmentRequested,
    LeadReassignmentRequestedSchema,
    ['sla', 'notification'],
    ['routing'],
    'Give the lead to another rep',
  ),
  [Topics.CrmCommand]: contract(
    Topics.CrmCommand,
    CrmCommandSchema,
    ['scoring', 'routing', 'sla', 'notification', 'crm-connector'],
    ['crm-connector'],
    'A write Baton asks the CRM to make',
  ),
  [Topics.SlaBreached]: contract(
    Topics.SlaBreached,
    SlaBreachedSchema,
    ['sla'],
    ['notification'],
    'A lead was not acted on in time',
  ),
  [Topics.SlaMet]: contract(
    Topics.SlaMet,
    SlaMetSchema,
    ['sla'],
    [],
    'A rep acted in time (speed-to-lead fact)',
  ),
  [Topics.NotificationSent]: contract(
    Topics.NotificationSent,
    NotificationSentSchema,
    ['notification'],
    ['sla'],
    'A delivery receipt for an alert or e-mail',
  ),
  [Topics.SlaArmed]: contract(
    Topics.SlaArmed,
    SlaArmedSchema,
    ['sla'],
    ['notification'],
    "An assignment's deadlines, as the SLA service set them",
  ),
  [Topics.RepAction]: contract(
    Topics.RepAction,
    RepActionSchema,
    ['notification'],
    ['sla'],
    'What a rep did from an alert (Accept, Log a call, Not mine)',
  ),
} as const;

export type ContractOf<T extends TopicName> = (typeof Contracts)[T];
export type EventOf<T extends TopicName> = z.infer<ContractOf<T>['schema']>;

export function contractFor<T extends TopicName>(topic: T): ContractOf<T> {
  return Contracts[topic];
}

export const ALL_TOPICS: readonly TopicName[] = Object.values(Topics);

/** Dead letters of a topic: `<topic>.dlq`. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** The topics a service consumes, by the registry's consumer lists. */
export function topicsConsumedBy(service: string): TopicName[] {
  return ALL_TOPICS.filter((t) => Contracts[t].consumers.includes(service));
}

/** The topics a service publishes, by the registry's producer lists. */
export function topicsProducedBy(service: string): TopicName[] {
  return ALL_TOPICS.filter((t) => Contracts[t].producers.includes(service));
}

/** Every topic a service touches: provisioned (with its dead-letter topic) at start-up. */
export function topicsOf(service: string): TopicName[] {
  return ALL_TOPICS.filter(
    (t) => Contracts[t].consumers.includes(service) || Contracts[t].producers.includes(service),
  );
}
