import type {
  Actor,
  DisqualificationReason,
  LeadActivity,
  LeadDisqualified,
  LeadProfile,
  LeadStatus,
  LifecycleStage,
} from '@baton/domain';
import type { CrmMapping } from '../policy/policy.js';
import type { CanonicalLead } from './lead-mapper.js';

/** The last values the connector saw for the fields a rep's work is read from. */
export interface LeadSnapshot {
  leadStatus?: LeadStatus;
  ownerId?: string;
  lifecycleStage?: LifecycleStage;
  disqualificationReason?: DisqualificationReason;
}

export type TrackedField = keyof LeadSnapshot;

export interface ObservedChange {
  lead: CanonicalLead;
  change: LeadProfile['change'];
  occurredAt: string;
  /** Stable id of what the CRM reported (event id, replay id…): makes re-emission idempotent. */
  sourceEventId: string;
  /** Canonical names of the fields the CRM said changed; undefined when it did not say (polling). */
  changedFields?: string[];
  /** Canonical fields whose new value Baton itself wrote (echoes). */
  echoFields: ReadonlySet<string>;
  mergedLeadIds?: string[];
  /** Who made the change, where the CRM tells it (changeSource/sourceId, changeOrigin/commitUser). */
  actor?: Actor;
  /** Who moved each tracked field, when one delivery holds changes by several actors. */
  fieldActors?: Partial<Record<TrackedField, Actor>>;
  /** Fields whose value at this point is not known (changed later in the same delivery): left out of the snapshot. */
  unknownFields?: TrackedField[];
}

export interface ReasonRequest {
  leadId: string;
  ownerId?: string;
  status: LeadStatus;
  sourceEventId: string;
}

export interface InterpretedChange {
  profile?: { id: string; data: LeadProfile };
  activities: { id: string; data: LeadActivity }[];
  disqualified?: { id: string; data: LeadDisqualified };
  /** A disqualification without a reason: ask the rep rather than accept it silently. */
  reasonRequest?: ReasonRequest;
  snapshot: LeadSnapshot;
}

export function snapshotOf(lead: CanonicalLead): LeadSnapshot {
  const s: LeadSnapshot = {};
  if (lead.leadStatus) s.leadStatus = lead.leadStatus;
  if (lead.ownerId) s.ownerId = lead.ownerId;
  if (lead.lifecycleStage) s.lifecycleStage = lead.lifecycleStage;
  if (lead.disqualificationReason) s.disqualificationReason = lead.disqualificationReason;
  return s;
}

/** The activity fields of an actor: who acted, and the owner id consumers have long read. */
function actorFields(actor: Actor | undefined): Pick<LeadActivity, 'actor' | 'actorOwnerId'> {
  if (!actor) return {};
  return { actor, ...(actor.kind === 'person' && actor.ownerId ? { actorOwnerId: actor.ownerId } : {}) };
}

/**
 * Turns one observed CRM change into Baton's domain events, comparing with the last snapshot:
 * status/owner/stage moves become rep activity, a disqualifying status with a reason becomes
 * lead.disqualified, one without a reason becomes a request to the rep. Baton's own writes
 * (echoes) update the snapshot but never come back as someone else's activity. First sight of
 * a record (no snapshot yet: its creation was never seen, or polling meets it) reports what the
 * record holds, not that anyone moved it: no activity, and a disqualification only when the CRM
 * says this very change set the status or reason.
 */
export function interpretChange(
  mapping: CrmMapping,
  previous: LeadSnapshot | undefined,
  obs: ObservedChange,
): InterpretedChange {
  const { lead } = obs;
  const base = {
    leadId: lead.leadId,
    crm: lead.crm,
    occurredAt: obs.occurredAt,
    sourceEventId: obs.sourceEventId,
  };
  const result: InterpretedChange = { activities: [], snapshot: snapshotOf(lead) };
  for (const f of obs.unknownFields ?? []) delete result.snapshot[f];
  const changed = obs.changedFields;
  const ownChanges = changed?.filter((f) => !obs.echoFields.has(f));
  // An update that touched nothing Baton maps, or only what Baton itself wrote, is not news.
  const nothingNew = ownChanges !== undefined && ownChanges.length === 0;

  if (!nothingNew || obs.change !== 'updated') {
    const profile: LeadProfile = {
      leadId: lead.leadId,
      crm: lead.crm,
      change: obs.change,
      occurredAt: obs.occurredAt,
      identity: lead.identity,
      firmographics: lead.firmographics,
    };
    if (lead.lifecycleStage) profile.lifecycleStage = lead.lifecycleStage;
    if (lead.leadStatus) profile.leadStatus = lead.leadStatus;
    if (lead.ownerId) profile.ownerId = lead.ownerId;
    if (ownChanges?.length) profile.changedFields = ownChanges;
    if (obs.mergedLeadIds?.length) profile.mergedLeadIds = obs.mergedLeadIds;
    if (Object.keys(lead.custom).length) profile.custom = lead.custom;
    result.profile = { id: `${lead.leadId}/profile/${obs.sourceEventId}`, data: profile };
  }
  if (obs.change !== 'updated' && obs.change !== 'merged') return result;

  const firstSight = previous === undefined;
  const prev = previous ?? {};
  const saidChanged = (field: TrackedField) =>
    changed?.includes(field) === true && !obs.echoFields.has(field);
  const moved = (field: TrackedField) =>
    lead[field] !== undefined &&
    lead[field] !== prev[field] &&
    !obs.echoFields.has(field) &&
    (!firstSight || saidChanged(field));
  const actorOf = (field: TrackedField) => actorFields(obs.fieldActors?.[field] ?? obs.actor);

  const status = lead.leadStatus;
  const disqualifying = status !== undefined && mapping.disqualifyingStatuses.includes(status);
  const statusMoved = moved('leadStatus');
  const reasonMoved = moved('disqualificationReason');
  if (disqualifying && (statusMoved || (reasonMoved && !obs.echoFields.has('leadStatus')))) {
    if (lead.disqualificationReason) {
      result.disqualified = {
        id: `${lead.leadId}/disqualified/${obs.sourceEventId}`,
        data: {
          ...base,
          reason: lead.disqualificationReason,
          ...(lead.ownerId ? { disqualifiedByOwnerId: lead.ownerId } : {}),
        },
      };
    } else {
      result.reasonRequest = {
        leadId: lead.leadId,
        ownerId: lead.ownerId,
        status,
        sourceEventId: obs.sourceEventId,
      };
    }
  }
  // First sight is nobody's activity.
  if (firstSight) return result;
  // A reason-less disqualification is not accepted: no status activity, the lead stays in the rep's queue.
  if (statusMoved && status && !(disqualifying && !lead.disqualificationReason)) {
    result.activities.push({
      id: `${lead.leadId}/activity/status_changed/${obs.sourceEventId}`,
      data: {
        ...base,
        ...actorOf('leadStatus'),
        kind: 'status_changed',
        status: { ...(prev.leadStatus ? { from: prev.leadStatus } : {}), to: status },
      },
    });
  }
  if (moved('ownerId') && lead.ownerId) {
    result.activities.push({
      id: `${lead.leadId}/activity/owner_changed/${obs.sourceEventId}`,
      data: {
        ...base,
        ...actorOf('ownerId'),
        kind: 'owner_changed',
        owner: { ...(prev.ownerId ? { from: prev.ownerId } : {}), to: lead.ownerId },
      },
    });
  }
  if (moved('lifecycleStage') && lead.lifecycleStage) {
    result.activities.push({
      id: `${lead.leadId}/activity/stage_changed/${obs.sourceEventId}`,
      data: {
        ...base,
        ...actorOf('lifecycleStage'),
        kind: 'stage_changed',
        stage: { ...(prev.lifecycleStage ? { from: prev.lifecycleStage } : {}), to: lead.lifecycleStage },
      },
    });
  }
  return result;
}
