import type { Actor } from '@baton/domain';

/** A Change Data Capture event as it arrives over CometD. */
export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  changedFields?: string[];
  changeOrigin?: string;
  commitTimestamp?: number;
  commitNumber?: number;
  commitUser?: string;
  sequenceNumber?: number;
  transactionKey?: string;
}

export interface ChangeEvent {
  channel: string;
  replayId: number;
  header: ChangeEventHeader;
  /** The record fields the event carries (all non-null fields on CREATE, the changed ones on UPDATE). */
  fields: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a CometD message ({ payload | sobject, event: { replayId } }) into a ChangeEvent.
 * Compound fields (Name, Address) are flattened to their parts, as the REST API returns them.
 */
export function parseChangeEvent(channel: string, message: unknown): ChangeEvent | undefined {
  if (!isRecord(message)) return undefined;
  const data = isRecord(message.data) ? message.data : message;
  const event = isRecord(data.event) ? data.event : undefined;
  const payload = isRecord(data.payload) ? data.payload : isRecord(data.sobject) ? data.sobject : undefined;
  if (!event || !payload || !isRecord(payload.ChangeEventHeader)) return undefined;
  const h = payload.ChangeEventHeader;
  const replayId = Number(event.replayId);
  if (!Number.isFinite(replayId) || typeof h.changeType !== 'string' || typeof h.entityName !== 'string')
    return undefined;
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (k === 'ChangeEventHeader') continue;
    if (isRecord(v)) Object.assign(fields, v);
    else fields[k] = v;
  }
  return {
    channel,
    replayId,
    header: {
      entityName: h.entityName,
      recordIds: Array.isArray(h.recordIds) ? h.recordIds.map(String) : [],
      changeType: h.changeType,
      changedFields: Array.isArray(h.changedFields)
        ? h.changedFields.map((f) => String(f).split('.').pop()!)
        : undefined,
      changeOrigin: typeof h.changeOrigin === 'string' ? h.changeOrigin : undefined,
      commitTimestamp: typeof h.commitTimestamp === 'number' ? h.commitTimestamp : undefined,
      commitUser: typeof h.commitUser === 'string' ? h.commitUser : undefined,
    },
    fields,
  };
}

/** Baton's own writes carry `client=<our client id>` in changeOrigin (from Sforce-Call-Options). */
export function isOwnChange(header: ChangeEventHeader, clientId: string): boolean {
  return (header.changeOrigin ?? '').split(/[;,]/).some((part) => part.trim() === `client=${clientId}`);
}

export function isGap(changeType: string): boolean {
  return changeType.startsWith('GAP_');
}

/** The API client in changeOrigin ("com/salesforce/api/rest/62.0;client=acme-sync" → "acme-sync"). */
function clientOf(changeOrigin: string): string | undefined {
  const part = changeOrigin.split(/[;,]/).find((p) => p.trim().startsWith('client='));
  const client = part?.trim().slice('client='.length).replace(/\/+$/, '');
  return client || undefined;
}

// Lightning Experience writes through Salesforce's own internal API client.
const SALESFORCE_UI_CLIENTS = new Set(['SfdcInternalAPI']);

/**
 * Who made a change, from the CDC header: Baton (its own client id), an integration (another
 * API client in changeOrigin), or a person (the UI: no changeOrigin, or Salesforce's internal
 * client). commitUser is the Salesforce User, which is also the Lead's OwnerId kind of id.
 */
export function actorOfChange(header: ChangeEventHeader, clientId: string): Actor | undefined {
  const origin = header.changeOrigin || undefined;
  const user = header.commitUser || undefined;
  if (!origin && !user) return undefined;
  const source = origin ? { source: origin } : {};
  const client = origin ? clientOf(origin) : undefined;
  if (isOwnChange(header, clientId))
    return { kind: 'baton', ...source, ...(client ? { integrationId: client } : {}) };
  if (client && !SALESFORCE_UI_CLIENTS.has(client))
    return { kind: 'integration', integrationId: client, ...(user ? { userId: user } : {}), ...source };
  return { kind: 'person', ...(user ? { userId: user, ownerId: user } : {}), ...source };
}
