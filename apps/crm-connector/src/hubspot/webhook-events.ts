import { z } from 'zod';
import type { Actor } from '@baton/domain';

/** One HubSpot webhook event (v3 payload item); unknown fields are kept in the stored payload. */
export const HubSpotWebhookEventSchema = z
  .object({
    eventId: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
    subscriptionType: z.string().min(1),
    objectId: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
    occurredAt: z.number().int().nonnegative(),
    portalId: z.number().int().optional(),
    appId: z.number().int().optional(),
    attemptNumber: z.number().int().optional(),
    changeSource: z.string().optional(),
    sourceId: z.string().optional(),
    propertyName: z.string().optional(),
    propertyValue: z.string().nullable().optional(),
    primaryObjectId: z.union([z.number().int(), z.string()]).optional(),
    mergedObjectIds: z.array(z.union([z.number().int(), z.string()])).optional(),
  })
  .loose();
export type HubSpotWebhookEvent = z.infer<typeof HubSpotWebhookEventSchema>;

export const HubSpotWebhookBatchSchema = z.array(HubSpotWebhookEventSchema).min(1).max(1000);

export type ParsedBatch = { ok: true; events: HubSpotWebhookEvent[] } | { ok: false; problem: string };

export const NOT_JSON = 'body is not JSON';

export function parseWebhookBatch(raw: Buffer): ParsedBatch {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, problem: NOT_JSON };
  }
  const result = HubSpotWebhookBatchSchema.safeParse(json);
  if (!result.success) {
    return {
      ok: false,
      problem: result.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    };
  }
  return { ok: true, events: result.data };
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
