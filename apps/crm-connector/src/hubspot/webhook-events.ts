import { z } from 'zod';

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

export function parseWebhookBatch(raw: Buffer): ParsedBatch {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, problem: 'body is not JSON' };
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
