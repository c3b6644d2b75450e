import { z } from 'zod';
import { cleanJson, cleanText, type Actor } from '@baton/domain';

/** The earliest occurredAt accepted: 2000-01-01T00:00:00Z. */
export const MIN_OCCURRED_AT = Date.UTC(2000, 0, 1);
/** How far ahead of the connector's clock an occurredAt may be (clock skew). */
export const MAX_FUTURE_MS = 86_400_000;
/** Longer strings in a webhook event are cut to this many characters. */
export const MAX_STRING_CHARS = 10_000;
/** An event nested deeper than this (objects and arrays inside the event) is set aside. */
export const MAX_DEPTH = 16;
/** The raw text of a set-aside event is kept up to this many characters. */
export const MAX_REJECTED_RAW_CHARS = 8_192;

/** A HubSpot id: a safe integer or up to 20 digits (orderable as a BigInt, usable in an API path). */
const hubspotId = z.union([
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  z.string().regex(/^\d{1,20}$/),
]);
const shortText = z.string().max(1_000);

/** One HubSpot webhook event (v3 payload item); unknown fields are kept in the stored payload. */
export const HubSpotWebhookEventSchema = z
  .object({
    eventId: hubspotId,
    subscriptionType: z.string().min(1).max(200),
    objectId: hubspotId,
    occurredAt: z.number().int(),
    portalId: z.number().int().optional(),
    appId: z.number().int().optional(),
    attemptNumber: z.number().int().optional(),
    changeSource: shortText.optional(),
    sourceId: shortText.optional(),
    propertyName: shortText.optional(),
    propertyValue: z.string().nullable().optional(),
    primaryObjectId: hubspotId.optional(),
    mergedObjectIds: z.array(hubspotId).max(1_000).optional(),
  })
  .loose();
export type HubSpotWebhookEvent = z.infer<typeof HubSpotWebhookEventSchema>;

/** An event of a batch that cannot be accepted: kept aside (hubspot_inbox_rejected) with why. */
export interface RejectedWebhookEvent {
  eventId?: string;
  reason: string;
  /** The event as received (cleaned, bounded to MAX_REJECTED_RAW_CHARS). */
  raw: string;
}

export type ParsedBatch =
  | { ok: true; events: HubSpotWebhookEvent[]; rejected: RejectedWebhookEvent[] }
  | { ok: false; problem: string };

export const NOT_JSON = 'body is not JSON';
export const MAX_BATCH = 1000;

/**
 * A signed body: not JSON, not an array, empty or over MAX_BATCH events is not a batch (400).
 * Otherwise each event on its own: strings cleaned (NUL and other controls removed, lone
 * surrogates replaced, see cleanText) and cut to MAX_STRING_CHARS, then checked — nested deeper
 * than MAX_DEPTH, not an event, or occurredAt outside 2000-01-01 … now + 1 day is set aside with
 * its reason; the others are accepted.
 */
export function parseWebhookBatch(raw: Buffer, now: number = Date.now()): ParsedBatch {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, problem: NOT_JSON };
  }
  if (!Array.isArray(json)) return { ok: false, problem: '(root): expected an array of events' };
  if (json.length === 0) return { ok: false, problem: '(root): an empty batch' };
  if (json.length > MAX_BATCH) return { ok: false, problem: `(root): more than ${MAX_BATCH} events` };
  const events: HubSpotWebhookEvent[] = [];
  const rejected: RejectedWebhookEvent[] = [];
  for (const item of json as unknown[]) {
    const verdict = checkEvent(item, now);
    if (verdict.ok) events.push(verdict.event);
    else rejected.push(verdict.rejected);
  }
  return { ok: true, events, rejected };
}

type EventVerdict = { ok: true; event: HubSpotWebhookEvent } | { ok: false; rejected: RejectedWebhookEvent };

function checkEvent(item: unknown, now: number): EventVerdict {
  const aside = (reason: string, value: unknown = item): EventVerdict => {
    const id =
      value && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>).eventId
        : undefined;
    return {
      ok: false,
      rejected: {
        ...(typeof id === 'number' || typeof id === 'string'
          ? { eventId: cleanText(String(id)).slice(0, 100) }
          : {}),
        reason,
        raw: boundedJson(value, MAX_DEPTH, MAX_REJECTED_RAW_CHARS),
      },
    };
  };
  if (depthOf(item, MAX_DEPTH + 1) > MAX_DEPTH) return aside(`nested deeper than ${MAX_DEPTH} levels`);
  const cleaned = boundStrings(cleanJson(item));
  const result = HubSpotWebhookEventSchema.safeParse(cleaned);
  if (!result.success) {
    return aside(
      result.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
        .join('; '),
      cleaned,
    );
  }
  const at = result.data.occurredAt;
  if (at < MIN_OCCURRED_AT || at > now + MAX_FUTURE_MS)
    return aside(`occurredAt ${at} outside 2000-01-01 … now + 1 day`, cleaned);
  return { ok: true, event: result.data };
}

/** How deep a JSON value nests (a scalar is 0, [] or {} is 1), counted up to `limit` at most. */
export function depthOf(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max >= limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth]);
  }
  return max;
}

/** Cuts every string (keys too) to MAX_STRING_CHARS, never in the middle of a surrogate pair. */
function boundStrings<T>(value: T): T {
  if (typeof value === 'string') return cutText(value, MAX_STRING_CHARS) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => boundStrings(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cutText(k, MAX_STRING_CHARS)] = boundStrings(v);
    return out as T;
  }
  return value;
}

export function cutText(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  return cut.isWellFormed() ? cut : cut.slice(0, -1);
}

/** JSON text of a value, nesting below `depth` written as "…", cleaned and cut to `maxChars`. */
export function boundedJson(value: unknown, depth: number, maxChars: number): string {
  const shallow = (v: unknown, d: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (d >= depth) return '…';
    if (Array.isArray(v)) return v.slice(0, 1_000).map((x) => shallow(x, d + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v).slice(0, 1_000)) out[k] = shallow(x, d + 1);
    return out;
  };
  let text: string;
  try {
    text = JSON.stringify(shallow(value, 0)) ?? String(value);
  } catch {
    text = String(value);
  }
  return cutText(cleanText(text), maxChars);
}

/** The object a webhook event is about: for merges, the surviving (primary) contact. */
export function objectOf(e: HubSpotWebhookEvent): string {
  if (e.subscriptionType.endsWith('.merge') && e.primaryObjectId !== undefined)
    return String(e.primaryObjectId);
  return String(e.objectId);
}

/** Baton's own write: HubSpot names the app that made it (changeSource API/INTEGRATION, sourceId). */
export function isOwnChange(
  e: Pick<HubSpotWebhookEvent, 'changeSource' | 'sourceId'>,
  appId?: string,
): boolean {
  if (!appId || !e.sourceId) return false;
  return (
    (e.changeSource === 'INTEGRATION' || e.changeSource === 'API') && e.sourceId.split(':').includes(appId)
  );
}

const USER_SOURCE = /^userId:(\d+)$/;
/** Change sources that are a person at a HubSpot screen (web, mobile apps, the sales extension). */
const PERSON_SOURCES = new Set([
  'CRM',
  'CRM_UI',
  'CRM_UI_BULK_ACTION',
  'MOBILE_IOS',
  'MOBILE_ANDROID',
  'EXTENSION',
]);

/**
 * Who made a change, from the event's changeSource and sourceId: a person ("userId:<id>", or a
 * change made at a HubSpot screen), Baton's own app, or else an integration (API, import,
 * workflow, form…). Undefined when the event says nothing.
 */
export function actorOfChange(
  e: Pick<HubSpotWebhookEvent, 'changeSource' | 'sourceId'>,
  appId?: string,
  ownerOfUser: (userId: string) => string | undefined = () => undefined,
): Actor | undefined {
  const source = e.changeSource || undefined;
  const sourceId = e.sourceId || undefined;
  if (!source && !sourceId) return undefined;
  const origin = source ? { source } : {};
  if (isOwnChange(e, appId))
    return { kind: 'baton', ...origin, ...(sourceId ? { integrationId: sourceId } : {}) };
  const user = sourceId ? USER_SOURCE.exec(sourceId)?.[1] : undefined;
  if (user !== undefined || (source && PERSON_SOURCES.has(source))) {
    const ownerId = user !== undefined ? ownerOfUser(user) : undefined;
    return {
      kind: 'person',
      ...(user !== undefined ? { userId: user } : {}),
      ...(ownerId ? { ownerId } : {}),
      ...origin,
    };
  }
  return { kind: 'integration', ...origin, ...(sourceId ? { integrationId: sourceId } : {}) };
}

/** The HubSpot user ids that made these changes (sourceId "userId:<id>"). */
export function userIdsOf(events: Pick<HubSpotWebhookEvent, 'sourceId'>[]): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    const user = e.sourceId ? USER_SOURCE.exec(e.sourceId)?.[1] : undefined;
    if (user !== undefined) ids.add(user);
  }
  return [...ids];
}
