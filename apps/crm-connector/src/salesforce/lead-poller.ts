import type { EntityManager } from 'typeorm';
import { JsonLogger } from '@baton/observability';
import type { Clock } from '../api-budget/clock.js';
import { ingest, type ObservedActivity, type ObservedEngagement } from '../ingest/lead-ingest.js';
import type { ObservedChange, TrackedField } from '../mapping/lead-changes.js';
import { fieldsRead, mapLead } from '../mapping/lead-mapper.js';
import { readCursors, writeCursors } from '../store/stream-cursors.js';
import { echoKey, findEchoes } from '../store/write-log.js';
import { TASK_FIELDS, readTask, type SalesforceIngestDeps } from './salesforce-ingest.js';

const PAGE = 200;

/**
 * For orgs without Change Data Capture: SOQL on LastModifiedDate, oldest first, with the
 * cursor committed together with the domain events. Without changedFields, rep activity is
 * read from the difference with the lead's last snapshot.
 */
export class SalesforceLeadPoller {
  private readonly log = new JsonLogger('salesforce.poll');
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly deps: SalesforceIngestDeps,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        while (this.running && (await this.pollOnce()) === PAGE);
      } catch (err) {
        this.log.error('poll failed; retrying next interval', { error: err as Error });
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.intervalMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** One page of leads and one of tasks; returns how many leads were read. */
  async pollOnce(): Promise<number> {
    const { api, mapping } = this.deps;
    return this.deps.runtime.transaction(async (em) => {
      const cursors = await readCursors(em, ['poll:Lead', 'poll:Task']);
      const start = new Date(this.clock.now()).toISOString();
      const leadSince = cursors.get('poll:Lead') ?? start;
      const taskSince = cursors.get('poll:Task') ?? start;
      const leads = await api.modifiedSince('Lead', leadSince, fieldsRead(mapping), PAGE);
      const tasks = await api.modifiedSince('Task', taskSince, TASK_FIELDS, PAGE);
      const changes = await this.observe(em, leads);
      const activities: ObservedActivity[] = [];
      const engagements: ObservedEngagement[] = [];
      for (const t of tasks) {
        if (t.CreatedDate !== t.LastModifiedDate) continue; // only newly logged tasks are activity
        const read = readTask(mapping, t, t.Id, this.deps.instanceUrl, this.deps.now());
        if (read.activity) activities.push(read.activity);
        if (read.engagement) engagements.push(read.engagement);
      }
      await ingest(
        em,
        {
          outbox: this.deps.runtime.outbox,
          mapping,
          signals: this.deps.signals,
          engagementDedupe: this.deps.runtime.processed('salesforce-engagements'),
          source: this.deps.runtime.source,
          now: this.deps.now,
        },
        { changes, engagements, activities },
      );
      const next = new Map<string, string>([
        ['poll:Lead', leads.length ? String(leads[leads.length - 1].LastModifiedDate) : leadSince],
        ['poll:Task', tasks.length ? String(tasks[tasks.length - 1].LastModifiedDate) : taskSince],
      ]);
      for (const [k, v] of next) next.set(k, new Date(v).toISOString());
      await writeCursors(em, next);
      return leads.length;
    });
  }

  private async observe(em: EntityManager, leads: Record<string, unknown>[]): Promise<ObservedChange[]> {
    const { mapping } = this.deps;
    const tracked: [TrackedField, string][] = [
      ['leadStatus', mapping.fields.leadStatus],
      ['ownerId', mapping.fields.ownerId],
      ['lifecycleStage', mapping.fields.lifecycleStage],
      ['disqualificationReason', mapping.fields.disqualificationReason],
    ];
    const logged = await findEchoes(
      em,
      'salesforce',
      leads.flatMap((l) => tracked.map(([, f]) => ({ objectId: String(l.Id), field: f, value: l[f] == null ? null : String(l[f]) }))),
      this.deps.echoWindowMs,
      this.deps.now(),
    );
    return leads.map((l) => {
      const id = String(l.Id);
      const modified = new Date(String(l.LastModifiedDate));
      return {
        lead: mapLead(mapping, id, l, { instanceUrl: this.deps.instanceUrl }),
        change: l.CreatedDate === l.LastModifiedDate ? 'created' : 'updated',
        occurredAt: modified.toISOString(),
        sourceEventId: `poll-${modified.getTime()}`,
        echoFields: new Set(tracked.filter(([, f]) => logged.has(echoKey(id, f))).map(([t]) => t)),
      } satisfies ObservedChange;
    });
  }
}
