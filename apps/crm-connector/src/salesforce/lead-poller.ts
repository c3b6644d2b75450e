import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { JsonLogger } from '@baton/observability';
import { SERVICE_ENV, ServiceRuntime } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import type { ConnectorEnv } from '../config/env.js';
import { LeadSnapshotStore } from '../database/lead-snapshot.store.js';
import { StreamCursorStore } from '../database/stream-cursor.store.js';
import { echoKey } from '../database/write-log.store.js';
import { IntakeLoop } from '../ingest/intake-loop.js';
import type { ObservedActivity, ObservedEngagement } from '../ingest/lead-ingest.js';
import type { ObservedChange, TrackedField } from '../mapping/lead-changes.js';
import { fieldsRead, leadIdFor, mapLead } from '../mapping/lead-mapper.js';
import { TASK_FIELDS, SalesforceIngest, readTask } from './salesforce-ingest.js';
import type { SalesforceRecord } from './salesforce-api.js';

const PAGE = 200;

/**
 * The last LastModifiedDate read, and a fingerprint of each record read at that second: two
 * saves in one second share LastModifiedDate, so the second save is told apart by its content.
 */
interface PollCursor {
  at: string;
  seen: Record<string, string>;
}

function fingerprint(r: SalesforceRecord): string {
  const { attributes: _a, ...fields } = r;
  return createHash('sha1').update(JSON.stringify(fields)).digest('base64').slice(0, 12);
}

function parsePollCursor(stored: string | undefined, start: string): PollCursor {
  // First start: from now, at Salesforce's one-second resolution (a save this second counts).
  if (!stored)
    return { at: new Date(Math.floor(Date.parse(start) / 1000) * 1000 - 1).toISOString(), seen: {} };
  const parsed = JSON.parse(stored) as PollCursor;
  return { at: parsed.at, seen: parsed.seen ?? {} };
}

/** Salesforce datetime literal (to the second), shifted: saves in one second share LastModifiedDate. */
function soqlDatetime(iso: string, shiftMs: number): string {
  return new Date(Date.parse(iso) + shiftMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const at = (r: SalesforceRecord) => new Date(String(r.LastModifiedDate)).toISOString();

/** Drops records already read: older than the cursor, or at its second with the same content. */
function unseen(page: SalesforceRecord[], cursor: PollCursor): SalesforceRecord[] {
  return page.filter(
    (r) => at(r) > cursor.at || (at(r) === cursor.at && cursor.seen[r.Id] !== fingerprint(r)),
  );
}

function advance(cursor: PollCursor, page: SalesforceRecord[]): PollCursor {
  let next: PollCursor = { at: cursor.at, seen: { ...cursor.seen } };
  for (const r of page) {
    const t = at(r);
    if (t > next.at) next = { at: t, seen: {} };
    if (t === next.at) next.seen[r.Id] = fingerprint(r);
  }
  return next;
}

/**
 * For orgs without Change Data Capture: SOQL on LastModifiedDate, oldest first, with the
 * cursor committed together with the domain events. Without changedFields, rep activity is
 * read from the difference with the lead's last snapshot.
 */
@Injectable()
export class SalesforceLeadPoller extends IntakeLoop {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly salesforce: SalesforceIngest,
    private readonly cursors: StreamCursorStore,
    private readonly snapshots: LeadSnapshotStore,
    @Inject(SERVICE_ENV) env: ConnectorEnv,
    @Inject(CONNECTOR_CLOCK) private readonly clock: Clock,
  ) {
    // No backoff: a failed poll, like any other, waits for the next interval.
    super({
      log: new JsonLogger('salesforce.poll'),
      failureMessage: 'poll failed; retrying next interval',
      idleMs: env.SALESFORCE_POLL_INTERVAL_MS,
      clock,
    });
  }

  /** Reads pages until one is not full, then always waits the interval (0: nothing left to drain). */
  protected async round(): Promise<number> {
    // A full page means more is waiting; bounded so one busy second cannot spin forever.
    for (let page = 0; page < 20 && this.isRunning && (await this.pollOnce()) === PAGE; page++) {
      /* next page */
    }
    return 0;
  }

  /** One page of leads and one of tasks; returns how many leads were read. */
  async pollOnce(): Promise<number> {
    const { api, mapping } = this.salesforce;
    return this.runtime.transaction(async (em) => {
      const cursors = await this.cursors.read(em, ['poll:Lead', 'poll:Task']);
      const start = new Date(this.clock.now()).toISOString();
      const leadCursor = parsePollCursor(cursors.get('poll:Lead'), start);
      const taskCursor = parsePollCursor(cursors.get('poll:Task'), start);
      const leadPage = await api.modifiedSince(
        'Lead',
        soqlDatetime(leadCursor.at, -1000),
        fieldsRead(mapping),
        PAGE,
      );
      const taskPage = await api.modifiedSince('Task', soqlDatetime(taskCursor.at, -1000), TASK_FIELDS, PAGE);
      const leads = unseen(leadPage, leadCursor);
      const tasks = unseen(taskPage, taskCursor);
      const changes = await this.observe(em, leads);
      const activities: ObservedActivity[] = [];
      const engagements: ObservedEngagement[] = [];
      for (const t of tasks) {
        if (t.CreatedDate !== t.LastModifiedDate) continue; // only newly logged tasks are activity
        const read = readTask(mapping, t, t.Id, this.salesforce.instanceUrl, this.salesforce.now());
        if (read.activity) activities.push(read.activity);
        if (read.engagement) engagements.push(read.engagement);
      }
      await this.salesforce.leads.ingest(em, { changes, engagements, activities });
      await this.cursors.write(
        em,
        new Map([
          ['poll:Lead', JSON.stringify(advance(leadCursor, leadPage))],
          ['poll:Task', JSON.stringify(advance(taskCursor, taskPage))],
        ]),
      );
      return leads.length;
    });
  }

  private async observe(em: EntityManager, leads: SalesforceRecord[]): Promise<ObservedChange[]> {
    const { mapping } = this.salesforce;
    const tracked: [TrackedField, string][] = [
      ['leadStatus', mapping.fields.leadStatus],
      ['ownerId', mapping.fields.ownerId],
      ['lifecycleStage', mapping.fields.lifecycleStage],
      ['disqualificationReason', mapping.fields.disqualificationReason],
    ];
    const logged = await this.salesforce.writeLog.findEchoes(
      em,
      'salesforce',
      leads.flatMap((l) =>
        tracked.map(([, f]) => ({
          objectId: String(l.Id),
          field: f,
          value: l[f] == null ? null : String(l[f]),
        })),
      ),
      this.salesforce.echoWindowMs,
      this.salesforce.now(),
    );
    const leadIds = leads.map((l) => leadIdFor('salesforce', mapping.objectType, String(l.Id)));
    const known = await this.snapshots.lock(em, leadIds);
    return leads.map((l, i) => {
      const id = String(l.Id);
      const modified = new Date(String(l.LastModifiedDate));
      // Saves in the creation second share its LastModifiedDate: "created" only the first time it is read.
      const created = l.CreatedDate === l.LastModifiedDate && !known.has(leadIds[i]);
      return {
        lead: mapLead(mapping, id, l, { instanceUrl: this.salesforce.instanceUrl }),
        change: created ? 'created' : 'updated',
        occurredAt: modified.toISOString(),
        sourceEventId: `poll-${modified.getTime()}`,
        echoFields: new Set(tracked.filter(([, f]) => logged.has(echoKey(id, f))).map(([t]) => t)),
      } satisfies ObservedChange;
    });
  }
}
