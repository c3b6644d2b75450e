import { Client } from '@hubspot/api-client';
import type { SimplePublicObject } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import type { PropertyCreate } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import type { RetryPolicy } from '@baton/kafka';
import { systemClock, type Clock } from '../api-budget/clock.js';
import { SlidingWindowLimiter } from '../api-budget/rate-limiter.js';
import { CrmCalls, retryAfterMs, type CallMeter, type FailureKind } from '../api-budget/retry.js';
import type { ProvisionEnv } from '../config/env.js';

export interface HubSpotApiOptions {
  accessToken: string;
  basePath: string;
  limiter: SlidingWindowLimiter;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
}

type HubSpotSettings = Pick<
  ProvisionEnv,
  'HUBSPOT_ACCESS_TOKEN' | 'HUBSPOT_API_BASE_URL' | 'HUBSPOT_RATE_LIMIT' | 'HUBSPOT_DAILY_LIMIT'
>;

/** HubSpot's budget for the whole process: HUBSPOT_RATE_LIMIT requests per window, HUBSPOT_DAILY_LIMIT a day. */
export function hubspotLimiter(env: HubSpotSettings, windowMs: number, clock: Clock = systemClock) {
  return new SlidingWindowLimiter(
    'hubspot',
    { max: env.HUBSPOT_RATE_LIMIT, intervalMs: windowMs, dailyMax: env.HUBSPOT_DAILY_LIMIT },
    clock,
  );
}

/** The HubSpot client of the settings, under the process's one limiter. */
export function hubspotApiOf(
  env: HubSpotSettings,
  limiter: SlidingWindowLimiter,
  opts: { retry?: Partial<RetryPolicy>; clock?: Clock } = {},
): HubSpotApi {
  return new HubSpotApi({
    accessToken: env.HUBSPOT_ACCESS_TOKEN!,
    basePath: env.HUBSPOT_API_BASE_URL,
    limiter,
    ...opts,
  });
}

export interface HubSpotEvent {
  id: string;
  eventType: string;
  objectId: string;
  occurredAt: string;
  properties: Record<string, string>;
}

/** Sales activities a rep logs on a contact, by CRM v3 object type. */
export const LOGGED_ACTIVITY_TYPES = ['calls', 'emails', 'meetings'] as const;
export type LoggedActivityType = (typeof LOGGED_ACTIVITY_TYPES)[number];

/** The title property of each logged activity type. */
const TITLE_PROPERTY: Record<LoggedActivityType, string> = {
  calls: 'hs_call_title',
  emails: 'hs_email_subject',
  meetings: 'hs_meeting_title',
};

export interface LoggedActivity {
  type: LoggedActivityType;
  id: string;
  /** ISO time the rep gave the activity (hs_timestamp). */
  occurredAt?: string;
  ownerId?: string;
  subject?: string;
}

/** hs_timestamp comes back as ISO or as epoch milliseconds in a string, depending on how it was written. */
function isoOf(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Task → contact association (HubSpot-defined type 204). */
const TASK_TO_CONTACT = 204;

interface ErrorLike {
  code?: unknown;
  body?: unknown;
  headers?: Record<string, string>;
}

/** HubSpot errors: 429 and 5xx are retried (honouring Retry-After), the daily limit waits for budget, other 4xx are permanent. */
export function classifyHubSpotError(err: unknown): FailureKind {
  const e = (err ?? {}) as ErrorLike;
  const status = typeof e.code === 'number' ? e.code : undefined;
  if (status === undefined) return { kind: 'retryable' }; // network failure: no answer at all
  const headers = e.headers ?? {};
  const retryAfter = retryAfterMs(headers['retry-after'] ?? headers['Retry-After']);
  if (status === 429) {
    const policy =
      typeof e.body === 'object' && e.body !== null
        ? (e.body as { policyName?: string }).policyName
        : undefined;
    if (policy === 'DAILY') return { kind: 'budget', retryAfterMs: retryAfter };
    return { kind: 'retryable', status, retryAfterMs: retryAfter };
  }
  if (status >= 500) return { kind: 'retryable', status, retryAfterMs: retryAfter };
  return { kind: 'permanent', status };
}

/** The HubSpot calls Baton makes, through the official SDK, each one rate-limited and retried. */
export class HubSpotApi {
  readonly client: Client;
  private readonly requests: CrmCalls;

  constructor(opts: HubSpotApiOptions) {
    // The SDK's own limiter and retries stay off: one process-wide budget is enforced here.
    this.client = new Client({
      accessToken: opts.accessToken,
      basePath: opts.basePath,
      numberOfApiCallRetries: 0,
    });
    this.requests = new CrmCalls({
      provider: 'hubspot',
      limiter: opts.limiter,
      classify: classifyHubSpotError,
      retry: opts.retry,
      clock: opts.clock,
    });
  }

  /** Every HTTP request actually sent (attempts included), for the write-path figures. */
  get requestsSent(): number {
    return this.requests.requestsSent;
  }

  /** One POST batch/read for up to 100 contacts; deleted contacts are simply absent. */
  async readContacts(ids: string[], properties: string[]): Promise<Map<string, SimplePublicObject>> {
    const out = new Map<string, SimplePublicObject>();
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100));
    // Side by side: the shared limiter still lets through only what the budget allows.
    const results = await Promise.all(
      chunks.map((chunk) =>
        this.requests.call('contacts.batch.read', () =>
          this.client.crm.contacts.batchApi.read({
            inputs: chunk.map((id) => ({ id })),
            properties,
            propertiesWithHistory: [],
          }),
        ),
      ),
    );
    for (const res of results) for (const c of res.results) out.set(String(c.id), c);
    return out;
  }

  /** Behavioural events (page views, form submissions, e-mail opens/clicks…) of one contact after a time. */
  async contactEvents(objectId: string, occurredAfter: Date | undefined): Promise<HubSpotEvent[]> {
    const events: HubSpotEvent[] = [];
    let after: string | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await this.requests.call('events.read', () =>
        this.client.events.eventsApi.getPage(
          'contact',
          undefined,
          after,
          undefined,
          100,
          undefined,
          occurredAfter,
          undefined,
          Number(objectId),
        ),
      );
      for (const e of res.results) {
        events.push({
          id: String(e.id),
          eventType: e.eventType,
          objectId: String(e.objectId),
          occurredAt: new Date(e.occurredAt).toISOString(),
          properties: e.properties ?? {},
        });
      }
      after = res.paging?.next?.after;
      if (!after) break;
    }
    return events;
  }

  /** Ids of the calls, e-mails or meetings associated with a contact (v4 associations, paged by 500). */
  async contactActivityIds(contactId: string, type: LoggedActivityType): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await this.requests.call(`associations.${type}.read`, () =>
        this.client.crm.associations.v4.basicApi.getPage('contacts', contactId, type, after, 500),
      );
      for (const r of res.results) ids.push(String(r.toObjectId));
      after = res.paging?.next?.after;
      if (!after) break;
    }
    return ids;
  }

  /** One POST batch/read per 100 calls, e-mails or meetings; deleted ones are simply absent. */
  async readLoggedActivities(type: LoggedActivityType, ids: string[]): Promise<LoggedActivity[]> {
    const out: LoggedActivity[] = [];
    const title = TITLE_PROPERTY[type];
    for (let i = 0; i < ids.length; i += 100) {
      const input = {
        inputs: ids.slice(i, i + 100).map((id) => ({ id })),
        properties: ['hs_timestamp', 'hubspot_owner_id', title],
        propertiesWithHistory: [],
      };
      const res = await this.requests.call(`${type}.batch.read`, () => {
        switch (type) {
          case 'calls':
            return this.client.crm.objects.calls.batchApi.read(input);
          case 'emails':
            return this.client.crm.objects.emails.batchApi.read(input);
          case 'meetings':
            return this.client.crm.objects.meetings.batchApi.read(input);
        }
      });
      for (const r of res.results) {
        const p = r.properties;
        const activity: LoggedActivity = { type, id: String(r.id) };
        const occurredAt = isoOf(p.hs_timestamp);
        if (occurredAt) activity.occurredAt = occurredAt;
        if (p.hubspot_owner_id) activity.ownerId = p.hubspot_owner_id;
        if (p[title]) activity.subject = p[title]!;
        out.push(activity);
      }
    }
    return out;
  }

  async updateContact(id: string, properties: Record<string, string>, meter?: CallMeter): Promise<void> {
    await this.requests.call(
      'contacts.update',
      () => this.client.crm.contacts.basicApi.update(id, { properties }),
      meter,
    );
  }

  async createTask(
    contactId: string,
    properties: Record<string, string>,
    meter?: CallMeter,
  ): Promise<string> {
    const res = await this.requests.call(
      'tasks.create',
      () =>
        this.client.crm.objects.tasks.basicApi.create({
          properties,
          associations: [
            {
              to: { id: contactId },
              types: [
                {
                  associationCategory: 'HUBSPOT_DEFINED' as AssociationSpecAssociationCategoryEnum,
                  associationTypeId: TASK_TO_CONTACT,
                },
              ],
            },
          ],
        }),
      meter,
    );
    return String(res.id);
  }

  async addToList(listId: string, contactId: string, meter?: CallMeter): Promise<void> {
    await this.requests.call(
      'lists.memberships.add',
      () => this.client.crm.lists.membershipsApi.add(listId, [contactId]),
      meter,
    );
  }

  /** Every owner with the HubSpot user id behind it (GET /crm/v3/owners, paged by 500). */
  async listOwners(): Promise<{ id: string; userId?: string }[]> {
    const out: { id: string; userId?: string }[] = [];
    let after: string | undefined;
    for (let page = 0; page < 50; page++) {
      const res = await this.requests.call('owners.read', () =>
        this.client.crm.owners.ownersApi.getPage(undefined, after, 500, false),
      );
      for (const o of res.results)
        out.push({ id: String(o.id), ...(o.userId !== undefined ? { userId: String(o.userId) } : {}) });
      after = res.paging?.next?.after;
      if (!after) break;
    }
    return out;
  }

  /** Contact properties with their options (enumerations), by name. */
  async contactProperties(): Promise<Map<string, { type: string; options: string[] }>> {
    const res = await this.requests.call('properties.read', () =>
      this.client.crm.properties.coreApi.getAll('contacts'),
    );
    return new Map(
      res.results.map((p) => [p.name, { type: p.type, options: (p.options ?? []).map((o) => o.value) }]),
    );
  }

  /** Replaces the options of one of Baton's own enumeration properties. */
  async updateContactPropertyOptions(
    name: string,
    options: { label: string; value: string; displayOrder: number; hidden: boolean }[],
  ): Promise<void> {
    await this.requests.call('properties.update', () =>
      this.client.crm.properties.coreApi.update('contacts', name, { options }),
    );
  }

  async contactPropertyNames(): Promise<Set<string>> {
    const res = await this.requests.call('properties.read', () =>
      this.client.crm.properties.coreApi.getAll('contacts'),
    );
    return new Set(res.results.map((p) => p.name));
  }

  async createContactProperty(property: PropertyCreate): Promise<void> {
    await this.requests.call('properties.create', () =>
      this.client.crm.properties.coreApi.create('contacts', property),
    );
  }
}
