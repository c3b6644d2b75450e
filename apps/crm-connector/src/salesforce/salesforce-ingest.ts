import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LeadActivity } from '@baton/domain';
import { SERVICE_ENV } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import type { ConnectorEnv } from '../config/env.js';
import { WriteLogStore, echoKey } from '../database/write-log.store.js';
import { LeadIngest, type ObservedActivity, type ObservedEngagement } from '../ingest/lead-ingest.js';
import type { ObservedChange } from '../mapping/lead-changes.js';
import { canonicalFieldNames, crmRefOf, fieldsRead, leadIdFor, mapLead } from '../mapping/lead-mapper.js';
import type { EngagementFact } from '../mapping/signals.js';
import { SALESFORCE_MAPPING, type SalesforceMapping } from '../policy/policy.js';
import { actorOfChange, isGap, isOwnChange, type ChangeEvent } from './change-events.js';
import { SalesforceApi, type SalesforceRecord } from './salesforce-api.js';

export const TASK_FIELDS = [
  'WhoId',
  'Subject',
  'Description',
  'Type',
  'TaskSubtype',
  'OwnerId',
  'CreatedDate',
  'ActivityDate',
];
const LEAD_ID_PREFIX = '00Q';
const URL_IN_TEXT = /https?:\/\/[^\s"'<>]+/;

function iso(v: unknown, fallback: Date): string {
  if (typeof v === 'number') return new Date(v).toISOString();
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  return fallback.toISOString();
}

/** A task a rep logged, or a task marketing automation wrote for a prospect's action. */
export function readTask(
  mapping: SalesforceMapping,
  task: Record<string, unknown>,
  taskId: string,
  instanceUrl: string,
  now: Date,
): { activity?: ObservedActivity; engagement?: ObservedEngagement } {
  const whoId = typeof task.WhoId === 'string' ? task.WhoId : undefined;
  if (!whoId?.startsWith(LEAD_ID_PREFIX)) return {};
  const leadId = leadIdFor('salesforce', mapping.objectType, whoId);
  const crm = crmRefOf(mapping, whoId, { instanceUrl });
  const occurredAt = iso(task.CreatedDate, now);
  const type = typeof task.Type === 'string' ? task.Type : undefined;
  const subtype = typeof task.TaskSubtype === 'string' ? task.TaskSubtype : undefined;
  const subject = typeof task.Subject === 'string' ? task.Subject : undefined;
  const factType = type ? mapping.taskEngagements[type] : undefined;
  if (factType) {
    const fact: EngagementFact = { type: factType, occurredAt, sourceEventId: `Task:${taskId}` };
    if (subject) fact.name = subject;
    const url = typeof task.Description === 'string' ? URL_IN_TEXT.exec(task.Description)?.[0] : undefined;
    if (url) fact.url = url;
    return { engagement: { leadId, crm, fact } };
  }
  const kind =
    (subtype && mapping.taskActivities[subtype]) || (type && mapping.taskActivities[type]) || undefined;
  if (!kind) return {};
  const data: LeadActivity = { leadId, crm, kind, occurredAt, sourceEventId: `Task:${taskId}` };
  // A logged call, e-mail or meeting is its owner's work, whichever tool wrote the task.
  if (typeof task.OwnerId === 'string') {
    data.actorOwnerId = task.OwnerId;
    data.actor = { kind: 'person', userId: task.OwnerId, ownerId: task.OwnerId };
  }
  if (subject) data.subject = subject;
  return { activity: { id: `${leadId}/activity/${kind}/Task:${taskId}`, data } };
}

/**
 * What Salesforce intake (CDC and polling) shares: the org, the mapping, the write log for echoes
 * and the lead ingest.
 */
@Injectable()
export class SalesforceIngest {
  readonly instanceUrl: string;
  readonly echoWindowMs: number;

  constructor(
    readonly api: SalesforceApi,
    @Inject(SALESFORCE_MAPPING) readonly mapping: SalesforceMapping,
    @Inject(SERVICE_ENV) env: ConnectorEnv,
    readonly writeLog: WriteLogStore,
    readonly leads: LeadIngest,
    @Inject(CONNECTOR_CLOCK) private readonly clock: Clock,
  ) {
    this.instanceUrl = env.SALESFORCE_INSTANCE_URL!;
    this.echoWindowMs = env.ECHO_WINDOW_MS;
  }

  now(): Date {
    return new Date(this.clock.now());
  }

  /**
   * Turns a run of CDC events (in replay order) into domain events in one transaction: leads
   * whose events do not carry every field (UPDATE, UNDELETE, GAP_*) are re-read with one SOQL
   * query per 200 ids; CREATE carries the whole record. Baton's own writes (changeOrigin, write
   * log) are echoes.
   */
  async changeEvents(em: EntityManager, events: ChangeEvent[]): Promise<void> {
    const { mapping, api } = this;
    const fields = fieldsRead(mapping);
    const now = this.now();
    const ctx = { instanceUrl: this.instanceUrl };
    const leadEvents = events.filter((e) => e.header.entityName === 'Lead');
    const taskEvents = events.filter((e) => e.header.entityName === 'Task');

    const toRead = new Set<string>();
    for (const e of leadEvents) {
      const t = e.header.changeType;
      if (t === 'UPDATE' || t === 'UNDELETE' || isGap(t)) for (const id of e.header.recordIds) toRead.add(id);
    }
    const taskReads = new Set<string>();
    for (const e of taskEvents)
      if (isGap(e.header.changeType)) for (const id of e.header.recordIds) taskReads.add(id);
    const current = toRead.size
      ? await api.readRecords('Lead', [...toRead], fields)
      : new Map<string, SalesforceRecord>();
    const tasks = taskReads.size
      ? await api.readRecords('Task', [...taskReads], TASK_FIELDS)
      : new Map<string, SalesforceRecord>();

    const observedWrites = leadEvents
      .filter((e) => e.header.changeType === 'UPDATE')
      .flatMap((e) =>
        e.header.recordIds.flatMap((id) =>
          (e.header.changedFields ?? []).map((field) => ({
            objectId: id,
            field,
            value: e.fields[field] === undefined ? null : String(e.fields[field] ?? ''),
          })),
        ),
      );
    const logged = await this.writeLog.findEchoes(em, 'salesforce', observedWrites, this.echoWindowMs, now);

    const changes: ObservedChange[] = [];
    for (const e of leadEvents) {
      const h = e.header;
      const own = isOwnChange(h, api.clientId);
      const actor = actorOfChange(h, api.clientId);
      const occurredAt = iso(h.commitTimestamp, now);
      for (const id of h.recordIds) {
        const sourceEventId = `${e.replayId}`;
        const base = { occurredAt, sourceEventId };
        if (h.changeType === 'CREATE') {
          changes.push({
            ...base,
            lead: mapLead(mapping, id, e.fields, ctx),
            change: 'created',
            echoFields: new Set(),
          });
        } else if (h.changeType === 'DELETE') {
          const leadId = leadIdFor('salesforce', mapping.objectType, id);
          changes.push({
            ...base,
            lead: { leadId, crm: crmRefOf(mapping, id, ctx), identity: {}, firmographics: {}, custom: {} },
            change: 'deleted',
            echoFields: new Set(),
          });
        } else {
          const record = current.get(id);
          if (!record) continue; // deleted since: its DELETE event follows
          const changed = h.changedFields ? canonicalFieldNames(mapping, h.changedFields) : undefined;
          const echoCrm = own
            ? (h.changedFields ?? [])
            : (h.changedFields ?? []).filter((f) => logged.has(echoKey(id, f)));
          changes.push({
            ...base,
            lead: mapLead(mapping, id, record, ctx),
            change: 'updated',
            changedFields: isGap(h.changeType) ? undefined : changed,
            echoFields: new Set(canonicalFieldNames(mapping, echoCrm)),
            ...(actor && !isGap(h.changeType) ? { actor } : {}),
          });
        }
      }
    }

    const activities: ObservedActivity[] = [];
    const engagements: ObservedEngagement[] = [];
    for (const e of taskEvents) {
      if (isOwnChange(e.header, api.clientId)) continue;
      const gap = isGap(e.header.changeType);
      if (e.header.changeType !== 'CREATE' && !gap) continue;
      for (const id of e.header.recordIds) {
        const task = gap ? tasks.get(id) : e.fields;
        if (!task) continue;
        const read = readTask(mapping, task, id, this.instanceUrl, now);
        if (read.activity) activities.push(read.activity);
        if (read.engagement) engagements.push(read.engagement);
      }
    }

    await this.leads.ingest(em, { changes, engagements, activities });
  }
}
