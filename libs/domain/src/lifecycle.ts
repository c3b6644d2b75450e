/**
 * The lead lifecycle vocabulary every Baton service shares.
 * Values are Baton's own; crm-connector maps them to each CRM's picklists.
 */

export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'mql',
  'sql',
  'opportunity',
  'customer',
  'nurture',
  'disqualified',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Where a rep is in working the lead (HubSpot hs_lead_status, Salesforce Lead.Status). */
export const LEAD_STATUSES = [
  'new',
  'open',
  'attempted_to_contact',
  'connected',
  'in_progress',
  'open_deal',
  'unqualified',
  'bad_timing',
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const DISQUALIFICATION_REASONS = [
  'timing',
  'budget',
  'authority',
  'no_need',
  'competitor_chosen',
  'unresponsive',
  'not_a_fit',
  'other',
] as const;
export type DisqualificationReason = (typeof DISQUALIFICATION_REASONS)[number];

export type IntentStrength = 'high' | 'medium' | 'soft';

/** Engagement signals and how much buying intent each one shows by default. */
export const ENGAGEMENT_KINDS = {
  demo_requested: 'high',
  quote_requested: 'high',
  pricing_page_viewed: 'high',
  content_downloaded: 'high',
  meeting_booked: 'high',
  trial_started: 'high',
  contact_sales_requested: 'high',
  form_submitted: 'medium',
  webinar_attended: 'medium',
  page_viewed: 'medium',
  email_clicked: 'medium',
  custom_event: 'medium',
  email_opened: 'soft',
} as const satisfies Record<string, IntentStrength>;
export type EngagementKind = keyof typeof ENGAGEMENT_KINDS;
export const ENGAGEMENT_KIND_NAMES = Object.keys(ENGAGEMENT_KINDS) as [EngagementKind, ...EngagementKind[]];

export function intentOf(kind: EngagementKind): IntentStrength {
  return ENGAGEMENT_KINDS[kind];
}

export function isHighIntent(kind: EngagementKind): boolean {
  return ENGAGEMENT_KINDS[kind] === 'high';
}

/** What a rep (or the CRM on a rep's behalf) did to a lead. */
export const ACTIVITY_KINDS = [
  'call_logged',
  'email_logged',
  'meeting_logged',
  'note_logged',
  'status_changed',
  'owner_changed',
  'stage_changed',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** A touch is a rep reaching out; it stops the first-touch SLA clock. */
export function isTouch(kind: ActivityKind): boolean {
  switch (kind) {
    case 'call_logged':
    case 'email_logged':
    case 'meeting_logged':
      return true;
    case 'note_logged':
    case 'status_changed':
    case 'owner_changed':
    case 'stage_changed':
      return false;
  }
}

/**
 * Who made a change Baton reports as activity: a person in the CRM (with their CRM user and, where
 * known, owner id), an integration or automation (API client, import, workflow), Baton itself (a
 * write of its own), or nobody: Baton seeing a record for the first time ("first_sight"), which
 * says what the record holds, not that anyone acted. Only a person's action is a rep's work.
 */
export const ACTOR_KINDS = ['person', 'integration', 'baton', 'first_sight'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export const CRM_PROVIDERS = ['hubspot', 'salesforce'] as const;
export type CrmProvider = (typeof CRM_PROVIDERS)[number];
