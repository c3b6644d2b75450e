import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Topics,
  type CrmCommand,
  type CrmProvider,
  type CrmRef,
  type LeadActivity,
  type NewEvent,
  type TopicName,
} from '@baton/domain';
import type { ProcessedEvents } from '@baton/persistence';
import { counter } from '@baton/observability';
import { SERVICE_POLICY, ServiceRuntime } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import { LeadSnapshotStore } from '../database/lead-snapshot.store.js';
import type { ConnectorPolicy, CrmMapping, SignalsPolicy } from '../policy/policy.js';
import { interpretChange, type ObservedChange, type ReasonRequest } from '../mapping/lead-changes.js';
import { classifyEngagement, toEngagement, type EngagementFact } from '../mapping/signals.js';

export interface ObservedEngagement {
  leadId: string;
  crm: CrmRef;
  fact: EngagementFact;
}

export interface ObservedActivity {
  id: string;
  data: LeadActivity;
}

export interface IngestBatch {
  /** In the order they happened per lead (creation first). */
  changes: ObservedChange[];
  engagements: ObservedEngagement[];
  activities: ObservedActivity[];
}

/**
 * The dedupe of CRM engagement ids already turned into signals, per CRM: HubSpot's webhook and
 * events API intake share one name, Salesforce's CDC and polling another (switching mode never
 * re-signals a task).
 */
const ENGAGEMENT_DEDUPE: Record<CrmProvider, string> = {
  hubspot: 'hubspot-events',
  salesforce: 'salesforce-engagements',
};

export interface IngestResult {
  events: number;
  unclassified: number;
  reasonRequests: number;
}

const emitted = counter('baton_crm_domain_events_total', 'Domain events produced from CRM changes', [
  'provider',
  'topic',
]);
const unclassifiedFacts = counter(
  'baton_crm_unclassified_engagements_total',
  'CRM engagement facts no signal rule names',
  ['provider'],
);

export function reasonRequestCommand(
  req: ReasonRequest,
  crm: CrmRef,
  source: string,
  now: Date,
): { id: string; data: CrmCommand } {
  const commandId = `reason-request/${req.leadId}/${req.sourceEventId}`;
  return {
    id: commandId,
    data: {
      commandId,
      leadId: req.leadId,
      crm,
      issuedBy: source,
      issuedAt: now.toISOString(),
      action: 'create_task',
      task: {
        subject: 'Add a disqualification reason',
        body:
          `This lead was set to ${req.status.replace('_', ' ')} without a disqualification reason. ` +
          'Pick one in the Baton disqualification reason field so marketing knows whether and how to nurture it; ' +
          'until then the lead stays in your queue.',
        ...(req.ownerId ? { ownerId: req.ownerId } : {}),
      },
    },
  };
}

/**
 * Turns one delivery of CRM changes into domain events in the caller's transaction: snapshots
 * are locked and compared, events go to the outbox together with the new snapshots, and a
 * disqualification without a reason becomes a create_task command to the rep.
 */
@Injectable()
export class LeadIngest {
  private readonly mapping: CrmMapping;
  private readonly signals: SignalsPolicy;
  private readonly engagementDedupe: ProcessedEvents;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly snapshots: LeadSnapshotStore,
    @Inject(SERVICE_POLICY) policy: ConnectorPolicy,
    @Inject(CONNECTOR_CLOCK) private readonly clock: Clock,
  ) {
    this.mapping = policy.mapping.policy;
    this.signals = policy.signals.policy;
    this.engagementDedupe = runtime.processed(ENGAGEMENT_DEDUPE[this.mapping.provider]);
  }

  async ingest(em: EntityManager, batch: IngestBatch): Promise<IngestResult> {
    const { mapping } = this;
    const source = this.runtime.source;
    const events: NewEvent<TopicName>[] = [];
    const leadIds = [...new Set(batch.changes.map((c) => c.lead.leadId))];
    const snapshots = await this.snapshots.lock(em, leadIds);
    let reasonRequests = 0;
    for (const change of batch.changes) {
      const result = interpretChange(mapping, snapshots.get(change.lead.leadId), change);
      snapshots.set(change.lead.leadId, result.snapshot);
      const subject = change.lead.leadId;
      if (result.profile)
        events.push({ topic: Topics.LeadProfile, subject, id: result.profile.id, data: result.profile.data });
      for (const a of result.activities)
        events.push({ topic: Topics.LeadActivity, subject, id: a.id, data: a.data });
      if (result.disqualified)
        events.push({
          topic: Topics.LeadDisqualified,
          subject,
          id: result.disqualified.id,
          data: result.disqualified.data,
        });
      if (result.reasonRequest) {
        const now = new Date(this.clock.now());
        const cmd = reasonRequestCommand(result.reasonRequest, change.lead.crm, source, now);
        events.push({ topic: Topics.CrmCommand, subject, id: cmd.id, data: cmd.data });
        reasonRequests++;
      }
    }
    for (const a of batch.activities)
      events.push({ topic: Topics.LeadActivity, subject: a.data.leadId, id: a.id, data: a.data });

    let unclassified = 0;
    const fresh = await this.engagementDedupe.claimMany(
      em,
      batch.engagements.map((e) => e.fact.sourceEventId),
    );
    for (const e of batch.engagements) {
      if (!fresh.has(e.fact.sourceEventId)) continue;
      fresh.delete(e.fact.sourceEventId);
      const rule = classifyEngagement(this.signals.signals, e.fact);
      if (!rule) {
        unclassified++;
        continue;
      }
      events.push({
        topic: Topics.LeadEngagement,
        subject: e.leadId,
        id: `${e.leadId}/engagement/${e.fact.sourceEventId}`,
        data: toEngagement(e.leadId, e.crm, e.fact, rule.signal, rule.contentTag),
      });
    }
    if (unclassified) unclassifiedFacts.inc({ provider: mapping.provider }, unclassified);
    await this.runtime.outbox.enqueue(em, events);
    await this.snapshots.save(em, snapshots);
    for (const e of events) emitted.inc({ provider: mapping.provider, topic: e.topic });
    return { events: events.length, unclassified, reasonRequests };
  }
}
