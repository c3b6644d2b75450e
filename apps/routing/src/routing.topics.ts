import { Topics } from '@baton/domain';

/** What routing consumes and produces (provisioned with their DLQs at start-up). */
export const ROUTING_TOPICS = [
  Topics.LeadQualified,
  Topics.LeadProfile,
  Topics.LeadReassignmentRequested,
  Topics.LeadAssigned,
  Topics.CrmCommand,
];
