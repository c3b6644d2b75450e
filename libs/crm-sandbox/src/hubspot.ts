import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  listen,
  serveRecorded,
  type RecordedRequest,
  type SandboxRequest,
  type SandboxResponse,
} from './http.js';
import { signHubSpotV1, signHubSpotV3 } from './hubspot-signature.js';

/*
 * A local HubSpot: CRM v3 objects (contacts, tasks, notes), owners, contact properties, list
 * memberships, the events API and a webhook sender that signs like HubSpot. Shapes follow the
 * CRM v3 reference and the models of @hubspot/api-client 14 (generated from HubSpot's OpenAPI
 * specs: SimplePublicObject, BatchResponseSimplePublicObject[WithErrors], PublicOwner, Property,
 * MembershipsUpdateResponse, CollectionResponseExternalUnifiedEvent).
 */

export interface HubSpotContact {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface HubSpotOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
}

export interface HubSpotPropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface HubSpotProperty {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
  fieldType: string;
  groupName: string;
  description: string;
  options: HubSpotPropertyOption[];
  displayOrder: number;
  hidden: boolean;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  formField: boolean;
  createdAt: string;
  updatedAt: string;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
  hubspotDefined?: boolean;
}

/** Engagement object types a rep logs on a contact, as the CRM v3 objects API names them. */
export type HubSpotEngagementType = 'tasks' | 'notes' | 'calls' | 'emails' | 'meetings';

/** Logged sales activities: creating one moves the contact's last-contacted properties. */
const SALES_ACTIVITY_TYPES: readonly HubSpotEngagementType[] = ['calls', 'emails', 'meetings'];

/** A task, note, call, e-mail or meeting (CRM v3 engagement object) with its associations to contacts. */
export interface HubSpotEngagement {
  id: string;
  objectType: HubSpotEngagementType;
  properties: Record<string, string | null>;
  associations: { toObjectId: string; associationCategory: string; associationTypeId: number }[];
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** One behavioural event as the events API returns it (ExternalUnifiedEvent). */
export interface HubSpotBehaviouralEvent {
  id: string;
  objectType: 'CONTACT';
  objectId: string;
  eventType: string;
  occurredAt: string;
  properties: Record<string, string>;
}

/** One webhook event (webhooks v3 payload item). */
export interface HubSpotWebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeSource?: string;
  changeFlag?: string;
  sourceId?: string;
  propertyName?: string;
  propertyValue?: string;
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
  numberOfPropertiesMoved?: number;
  associationType?: string;
  fromObjectId?: number;
  toObjectId?: number;
  associationRemoved?: boolean;
  isPrimaryAssociation?: boolean;
  [extra: string]: unknown;
}

export interface HubSpotWebhookDelivery {
  url: string;
  events: HubSpotWebhookEvent[];
  status: number;
  at: number;
}

export type HubSpotFailureStatus = 429 | 500 | 502 | 503;

export interface HubSpotSandboxOptions {
  port?: number;
  clientSecret?: string;
  appId?: number;
  portalId?: number;
  /** Rolling window budget; default 100 requests per 10 000 ms (Free/Starter private apps). */
  rateLimit?: { max: number; intervalMs: number };
  /** Clock (ms since epoch); defaults to Date.now. */
  now?: () => number;
  /**
   * When set, contact writes made through the API are echoed to this URL as signed webhooks
   * (contact.creation / contact.propertyChange / contact.deletion, changeSource INTEGRATION),
   * the way a portal with webhook subscriptions reports an integration's own writes.
   */
  webhookTargetUrl?: string;
  /**
   * HubSpot moves the default lifecycle stage forward only: an API write of an earlier stage is
   * accepted but leaves the value unchanged, unless the stage was cleared ('') first. Default true.
   */
  lifecycleForwardOnly?: boolean;
  /** Seed owners; defaults to three sales reps. */
  owners?: HubSpotOwner[];
}

export interface HubSpotSandbox {
  baseUrl: string;
  clientSecret: string;
  appId: number;
  portalId: number;
  close(): Promise<void>;
  contacts: Map<string, HubSpotContact>;
  owners: HubSpotOwner[];
  properties: Map<string, HubSpotProperty>;
  tasks: Map<string, HubSpotEngagement>;
  notes: Map<string, HubSpotEngagement>;
  calls: Map<string, HubSpotEngagement>;
  emails: Map<string, HubSpotEngagement>;
  meetings: Map<string, HubSpotEngagement>;
  lists: Map<string, Set<string>>;
  events: HubSpotBehaviouralEvent[];
  requests: RecordedRequest[];
  webhookDeliveries: HubSpotWebhookDelivery[];
  createContact(properties: Record<string, string>): HubSpotContact;
  addEvent(event: {
    objectId: string | number;
    eventType: string;
    properties?: Record<string, string>;
    occurredAt?: number | string;
  }): HubSpotBehaviouralEvent;
  failNext(status: HubSpotFailureStatus, opts?: { count?: number; retryAfterSeconds?: number }): void;
  /**
   * Fault injection until `restoreContact(id)`: a batch read that includes this contact answers
   * 400 VALIDATION_ERROR (the default), or, given `view`, holds `view` in place of the contact.
   * For tests of a reader that must set a poison record aside while the others go through.
   */
  malformContact(id: string, view?: unknown): void;
  restoreContact(id: string): void;
  /** Fault injection: the events API answers 400 for this contact until `restoreContact(id)`. */
  rejectEventsOf(id: string): void;
  webhookEvent(
    partial: Partial<HubSpotWebhookEvent> & { subscriptionType: string; objectId: number },
  ): HubSpotWebhookEvent;
  sendWebhook(
    targetUrl: string,
    events: HubSpotWebhookEvent[],
    opts?: { secret?: string; timestamp?: number; tamper?: boolean; pretty?: boolean },
  ): Promise<Response>;
  /**
   * Delivers like HubSpot does: on connection failure, timeout (default 5 s) or any status but
   * 2xx and 400, 401, 403, 404, 405 it retries (429 after Retry-After), incrementing attemptNumber
   * and re-signing each attempt; those five are final. Delays default to 1 s, 2 s, 4 s ... capped at 30 s (HubSpot spreads 10 attempts over
   * 24 h); pass retryDelayMs to compress time in tests.
   */
  deliverWebhook(
    targetUrl: string,
    events: HubSpotWebhookEvent[],
    opts?: {
      maxAttempts?: number;
      retryDelayMs?: (attempt: number) => number;
      timeoutMs?: number;
      secret?: string;
      pretty?: boolean;
    },
  ): Promise<{ delivered: boolean; attempts: number; status: number | null }>;
  /** Clears the rolling rate-limit window (e.g. between test cases). */
  resetRateLimit(): void;
  /** Where API writes are echoed as webhooks (see options.webhookTargetUrl); undefined stops it. */
  setWebhookTarget(url: string | undefined): void;
  /** Resolves once every echo webhook started so far has been answered. */
  webhooksSettled(): Promise<void>;
}

// Association type ids HubSpot defines between engagements and contacts (associations v4 docs).
export const HUBSPOT_ASSOCIATION = {
  noteToContact: 202,
  taskToContact: 204,
  callToContact: 194,
  emailToContact: 198,
  meetingToContact: 200,
} as const;

/** The HubSpot-defined contact → engagement association type ids (v4 associations list). */
const CONTACT_TO: Record<HubSpotEngagementType, number> = {
  tasks: 203,
  notes: 201,
  calls: 193,
  emails: 197,
  meetings: 199,
};

const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];
const LEAD_STATUSES = [
  'NEW',
  'OPEN',
  'IN_PROGRESS',
  'OPEN_DEAL',
  'UNQUALIFIED',
  'ATTEMPTED_TO_CONTACT',
  'CONNECTED',
  'BAD_TIMING',
];
const READ_ONLY = new Set(['hs_object_id', 'createdate', 'lastmodifieddate']);
// What GET /crm/v3/objects/contacts/{id} returns when no ?properties= is given.
const DEFAULT_CONTACT_PROPERTIES = [
  'createdate',
  'email',
  'firstname',
  'hs_object_id',
  'lastmodifieddate',
  'lastname',
];
const ALWAYS_RETURNED = ['createdate', 'hs_object_id', 'lastmodifieddate'];
const BATCH_LIMIT = 100;

const DEFAULT_OWNERS: HubSpotOwner[] = [
  { id: '1001', email: 'ada.rep@example.com', firstName: 'Ada', lastName: 'Rep', userId: 9001 },
  { id: '1002', email: 'ben.rep@example.com', firstName: 'Ben', lastName: 'Rep', userId: 9002 },
  { id: '1003', email: 'cleo.rep@example.com', firstName: 'Cleo', lastName: 'Rep', userId: 9003 },
];

/** A batch answer: 200, or 207 with the ids not found in errors[] (BatchResponseSimplePublicObjectWithErrors). */
function batchResponse(
  results: unknown[],
  missing: string[],
  startedAt: string,
  completedAt: string,
): SandboxResponse {
  const base = { status: 'COMPLETE', results, startedAt, completedAt };
  if (missing.length === 0) return { status: 200, body: base };
  return {
    status: 207,
    body: {
      ...base,
      numErrors: 1,
      errors: [
        {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message:
            'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
          context: { ids: missing },
        },
      ],
    },
  };
}

function titleCase(name: string): string {
  return name.replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
}

/** `?properties=a,b` and `?properties=a&properties=b` (what the SDK sends) both work on HubSpot. */
function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function startHubSpotSandbox(opts: HubSpotSandboxOptions = {}): Promise<HubSpotSandbox> {
  const now = opts.now ?? Date.now;
  const iso = (ms = now()) => new Date(ms).toISOString();
  const clientSecret = opts.clientSecret ?? 'sandbox-client-secret';
  const appId = opts.appId ?? 1160452;
  const portalId = opts.portalId ?? 62515;
  const rateLimit = opts.rateLimit ?? { max: 100, intervalMs: 10_000 };

  const contacts = new Map<string, HubSpotContact>();
  const properties = new Map<string, HubSpotProperty>();
  const tasks = new Map<string, HubSpotEngagement>();
  const notes = new Map<string, HubSpotEngagement>();
  const calls = new Map<string, HubSpotEngagement>();
  const emails = new Map<string, HubSpotEngagement>();
  const meetings = new Map<string, HubSpotEngagement>();
  const engagementStore: Record<HubSpotEngagementType, Map<string, HubSpotEngagement>> = {
    tasks,
    notes,
    calls,
    emails,
    meetings,
  };
  const lists = new Map<string, Set<string>>();
  const events: HubSpotBehaviouralEvent[] = [];
  const requests: RecordedRequest[] = [];
  const webhookDeliveries: HubSpotWebhookDelivery[] = [];
  const owners: HubSpotOwner[] = (opts.owners ?? DEFAULT_OWNERS).map((o) => ({
    createdAt: iso(),
    updatedAt: iso(),
    archived: false,
    ...o,
  }));
  let acceptedAt: number[] = [];
  const failures: { status: HubSpotFailureStatus; retryAfterSeconds?: number }[] = [];
  const malformed = new Map<string, unknown>();
  const eventsRejected = new Set<string>();
  let nextObjectId = 51;
  let nextEventId = 100;

  const defineProperty = (
    p: Partial<HubSpotProperty> & { name: string; type: HubSpotProperty['type'] },
    hubspotDefined: boolean,
  ): HubSpotProperty => {
    const property: HubSpotProperty = {
      label: titleCase(p.name),
      fieldType:
        p.type === 'enumeration'
          ? 'select'
          : p.type === 'number'
            ? 'number'
            : p.type === 'bool'
              ? 'booleancheckbox'
              : 'text',
      groupName: 'contactinformation',
      description: '',
      options: [],
      displayOrder: -1,
      hidden: false,
      calculated: false,
      externalOptions: false,
      hasUniqueValue: false,
      formField: false,
      createdAt: iso(),
      updatedAt: iso(),
      modificationMetadata: {
        archivable: !hubspotDefined,
        readOnlyDefinition: hubspotDefined,
        readOnlyValue: READ_ONLY.has(p.name),
      },
      ...(hubspotDefined ? { hubspotDefined: true } : {}),
      ...p,
    };
    properties.set(property.name, property);
    return property;
  };
  const enumOptions = (values: string[]): HubSpotPropertyOption[] =>
    values.map((value, i) => ({
      label: titleCase(value.toLowerCase()),
      value,
      displayOrder: i,
      hidden: false,
    }));

  for (const name of [
    'email',
    'firstname',
    'lastname',
    'company',
    'jobtitle',
    'country',
    'state',
    'city',
    'zip',
    'industry',
    'phone',
    'mobilephone',
    'website',
    'hs_email_domain',
  ]) {
    defineProperty({ name, type: 'string' }, true);
  }
  defineProperty(
    {
      name: 'hs_analytics_source',
      type: 'enumeration',
      label: 'Original Source',
      options: enumOptions([
        'ORGANIC_SEARCH',
        'PAID_SEARCH',
        'EMAIL_MARKETING',
        'SOCIAL_MEDIA',
        'REFERRALS',
        'OTHER_CAMPAIGNS',
        'DIRECT_TRAFFIC',
        'OFFLINE',
        'PAID_SOCIAL',
        'AI_REFERRALS',
      ]),
    },
    true,
  );
  defineProperty(
    { name: 'annualrevenue', type: 'string', label: 'Annual Revenue', fieldType: 'number' },
    true,
  );
  // Analytics roll-ups HubSpot maintains itself (read-only through the API).
  for (const name of ['hs_analytics_num_page_views', 'num_conversion_events', 'hs_analytics_num_visits']) {
    defineProperty(
      {
        name,
        type: 'number',
        modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true },
      },
      true,
    );
  }
  for (const name of [
    'hs_email_last_open_date',
    'hs_email_last_click_date',
    'hs_sales_email_last_clicked',
    'hs_lifecyclestage_marketingqualifiedlead_date',
    'hs_lifecyclestage_salesqualifiedlead_date',
  ]) {
    defineProperty(
      {
        name,
        type: 'datetime',
        fieldType: 'date',
        modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true },
      },
      true,
    );
  }
  defineProperty(
    {
      name: 'numemployees',
      type: 'enumeration',
      options: enumOptions(['1-5', '5-25', '25-50', '50-100', '100-500', '500-1000', '1000+']),
    },
    true,
  );
  defineProperty(
    {
      name: 'lifecyclestage',
      type: 'enumeration',
      label: 'Lifecycle Stage',
      options: enumOptions(LIFECYCLE_STAGES),
    },
    true,
  );
  defineProperty(
    {
      name: 'hs_lead_status',
      type: 'enumeration',
      label: 'Lead Status',
      options: enumOptions(LEAD_STATUSES),
    },
    true,
  );
  defineProperty(
    { name: 'hubspot_owner_id', type: 'enumeration', label: 'Contact owner', externalOptions: true },
    true,
  );
  defineProperty({ name: 'hs_object_id', type: 'number', label: 'Record ID' }, true);
  defineProperty({ name: 'createdate', type: 'datetime', label: 'Create Date', fieldType: 'date' }, true);
  defineProperty(
    { name: 'lastmodifieddate', type: 'datetime', label: 'Last Modified Date', fieldType: 'date' },
    true,
  );

  const correlationId = () => randomUUID();
  const error = (
    status: number,
    category: string,
    message: string,
    extra: Record<string, unknown> = {},
  ): SandboxResponse => ({
    status,
    body: { status: 'error', message, correlationId: correlationId(), category, ...extra },
  });
  /** A batch request's body and `inputs`, or the 400 HubSpot answers when they are missing or too many. */
  const batchRequest = (
    body: unknown,
  ): { body: Record<string, unknown>; inputs: unknown[] } | { error: SandboxResponse } => {
    if (!isRecord(body) || !Array.isArray(body.inputs))
      return { error: error(400, 'VALIDATION_ERROR', 'Invalid input JSON on line 1: missing "inputs"') };
    if (body.inputs.length > BATCH_LIMIT)
      return {
        error: error(
          400,
          'VALIDATION_ERROR',
          `Batch input size ${body.inputs.length} exceeds the limit of ${BATCH_LIMIT}`,
        ),
      };
    return { body, inputs: body.inputs as unknown[] };
  };
  const notFound = (id: string) =>
    error(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', {
      context: { id: [id] },
    });

  /** Validates property values like HubSpot does; returns the per-property errors HubSpot nests in its message. */
  const validateProperties = (values: Record<string, unknown>) => {
    const problems: {
      isValid: false;
      message: string;
      error: string;
      name: string;
      localizedErrorMessage: string;
    }[] = [];
    const problem = (name: string, code: string, message: string) =>
      problems.push({ isValid: false, message, error: code, name, localizedErrorMessage: message });
    for (const [name, value] of Object.entries(values)) {
      const property = properties.get(name);
      if (!property) {
        problem(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
        continue;
      }
      if (READ_ONLY.has(name) || property.modificationMetadata.readOnlyValue) {
        problem(name, 'READ_ONLY_VALUE', `${name} is a read only property; its value cannot be set.`);
        continue;
      }
      if (value === null || value === '') continue;
      const text = String(value);
      if (name === 'hubspot_owner_id') {
        if (!owners.some((o) => o.id === text))
          problem(name, 'INVALID_OWNER_ID', `${text} is not a valid owner id`);
      } else if (
        property.type === 'enumeration' &&
        !property.externalOptions &&
        !property.options.some((o) => o.value === text)
      ) {
        problem(
          name,
          'INVALID_OPTION',
          `${text} was not one of the allowed options: [${property.options.map((o) => o.value).join(', ')}]`,
        );
      } else if (property.type === 'number' && Number.isNaN(Number(text))) {
        problem(name, 'INVALID_INTEGER', `${text} is not a valid number`);
      }
    }
    return problems.length === 0
      ? undefined
      : error(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(problems)}`);
  };

  const storeContact = (values: Record<string, unknown>): HubSpotContact => {
    const id = String(nextObjectId++);
    const at = iso();
    const props: Record<string, string | null> = { hs_object_id: id, createdate: at, lastmodifieddate: at };
    for (const [k, v] of Object.entries(values)) props[k] = v === null || v === '' ? null : String(v);
    const contact: HubSpotContact = { id, properties: props, createdAt: at, updatedAt: at, archived: false };
    contacts.set(id, contact);
    return contact;
  };

  const forwardOnly = opts.lifecycleForwardOnly ?? true;
  /** Applies validated values; returns what actually changed (and echoes it as webhooks when a target is set). */
  const applyUpdate = (
    contact: HubSpotContact,
    values: Record<string, unknown>,
  ): Record<string, string | null> => {
    const changed: Record<string, string | null> = {};
    for (const [k, raw] of Object.entries(values)) {
      const value = raw === null || raw === '' ? null : String(raw);
      if (k === 'lifecyclestage' && forwardOnly && value !== null) {
        const from = LIFECYCLE_STAGES.indexOf(contact.properties.lifecyclestage ?? '');
        const to = LIFECYCLE_STAGES.indexOf(value);
        if (from >= 0 && to >= 0 && to < from) continue;
      }
      if (contact.properties[k] !== value) changed[k] = value;
      contact.properties[k] = value;
    }
    const at = iso();
    contact.properties.lastmodifieddate = at;
    contact.updatedAt = at;
    echo(contact.id, 'contact.propertyChange', changed);
    return changed;
  };

  const contactView = (contact: HubSpotContact, requested: string[]) => {
    const names =
      requested.length > 0 ? [...new Set([...requested, ...ALWAYS_RETURNED])] : DEFAULT_CONTACT_PROPERTIES;
    const props: Record<string, string | null> = {};
    for (const name of names) {
      // Unknown names are silently skipped, known ones without a value come back as null.
      if (name in contact.properties) props[name] = contact.properties[name];
      else if (properties.has(name)) props[name] = null;
    }
    return {
      id: contact.id,
      properties: props,
      createdAt: contact.createdAt,
      updatedAt: contact.updatedAt,
      archived: contact.archived,
      ...(contact.archivedAt ? { archivedAt: contact.archivedAt } : {}),
    };
  };

  const findContact = (
    id: string,
    idProperty: string | null,
    includeArchived: boolean,
  ): HubSpotContact | undefined => {
    const match = (c: HubSpotContact) => includeArchived || !c.archived;
    if (!idProperty || idProperty === 'hs_object_id') {
      const c = contacts.get(id);
      return c && match(c) ? c : undefined;
    }
    for (const c of contacts.values()) {
      if (match(c) && (c.properties[idProperty] ?? '').toLowerCase() === id.toLowerCase()) return c;
    }
    return undefined;
  };

  /**
   * A rep logging a call, e-mail or meeting moves the contact's last-contacted properties in the
   * CRM itself, and subscribed apps see that as a property change from the CRM UI.
   */
  const logSalesActivity = (contact: HubSpotContact, timestamp: string) => {
    const when = Number.isNaN(Number(timestamp)) ? timestamp : new Date(Number(timestamp)).toISOString();
    const changed: Record<string, string | null> = {};
    const count = Number(contact.properties.num_contacted_notes ?? 0) || 0;
    const values = {
      notes_last_contacted: when,
      hs_last_sales_activity_timestamp: when,
      num_contacted_notes: String(count + 1),
    };
    for (const [k, v] of Object.entries(values)) {
      if (contact.properties[k] !== v) changed[k] = v;
      contact.properties[k] = v;
    }
    const at = iso();
    contact.properties.lastmodifieddate = at;
    contact.updatedAt = at;
    echo(contact.id, 'contact.propertyChange', changed, 'CRM_UI');
  };

  const engagementView = (e: HubSpotEngagement, requested?: string[]) => ({
    id: e.id,
    properties: requested
      ? Object.fromEntries(
          [...new Set([...requested, 'hs_object_id', 'hs_createdate', 'hs_lastmodifieddate'])].map((k) => [
            k,
            e.properties[k] ?? null,
          ]),
        )
      : e.properties,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    archived: e.archived,
  });

  const createEngagement = (objectType: HubSpotEngagementType, body: unknown): SandboxResponse => {
    if (!isRecord(body) || !isRecord(body.properties))
      return error(400, 'VALIDATION_ERROR', 'Invalid input JSON: missing "properties"');
    const values = body.properties;
    if (values.hs_timestamp === undefined || values.hs_timestamp === '') {
      return error(
        400,
        'VALIDATION_ERROR',
        `Property values were not valid: ${JSON.stringify([{ isValid: false, message: 'hs_timestamp is required', error: 'REQUIRED_PROPERTY', name: 'hs_timestamp' }])}`,
      );
    }
    if (
      values.hubspot_owner_id !== undefined &&
      !owners.some((o) => o.id === String(values.hubspot_owner_id))
    ) {
      return error(
        400,
        'VALIDATION_ERROR',
        `Property values were not valid: ${JSON.stringify([{ isValid: false, message: `${String(values.hubspot_owner_id)} is not a valid owner id`, error: 'INVALID_OWNER_ID', name: 'hubspot_owner_id' }])}`,
      );
    }
    const associations: HubSpotEngagement['associations'] = [];
    for (const a of Array.isArray(body.associations) ? (body.associations as unknown[]) : []) {
      if (!isRecord(a) || !isRecord(a.to) || !Array.isArray(a.types))
        return error(400, 'VALIDATION_ERROR', 'Invalid association input');
      const toId = String(a.to.id);
      if (!findContact(toId, null, false)) {
        return error(
          400,
          'VALIDATION_ERROR',
          `One or more associations are invalid: contact ${toId} does not exist`,
        );
      }
      for (const t of a.types as unknown[]) {
        if (!isRecord(t)) continue;
        associations.push({
          toObjectId: toId,
          associationCategory: String(t.associationCategory),
          associationTypeId: Number(t.associationTypeId),
        });
      }
    }
    const at = iso();
    const id = String(nextObjectId++);
    const props: Record<string, string | null> = {
      hs_object_id: id,
      hs_createdate: at,
      hs_lastmodifieddate: at,
    };
    for (const [k, v] of Object.entries(values)) props[k] = v === null ? null : String(v);
    if (objectType === 'tasks') props.hs_task_status ??= 'NOT_STARTED';
    const engagement: HubSpotEngagement = {
      id,
      objectType,
      properties: props,
      associations,
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
    engagementStore[objectType].set(id, engagement);
    if (SALES_ACTIVITY_TYPES.includes(objectType)) {
      for (const contactId of new Set(associations.map((a) => a.toObjectId))) {
        const contact = contacts.get(contactId);
        if (contact) logSalesActivity(contact, props.hs_timestamp ?? at);
      }
    }
    return { status: 201, body: engagementView(engagement) };
  };

  let webhookTarget = opts.webhookTargetUrl;
  const inFlight = new Set<Promise<unknown>>();
  /** Echoes an API write as HubSpot would report it to a subscribed app (one event per changed property). */
  const echo = (
    objectId: string,
    kind: 'contact.creation' | 'contact.propertyChange' | 'contact.deletion',
    changed: Record<string, unknown>,
    changeSource: 'INTEGRATION' | 'CRM_UI' = 'INTEGRATION',
  ) => {
    if (!webhookTarget) return;
    // A rep's own save in the CRM UI carries no app id.
    const common =
      changeSource === 'INTEGRATION'
        ? { objectId: Number(objectId), changeSource, sourceId: String(appId) }
        : { objectId: Number(objectId), changeSource };
    const batch =
      kind === 'contact.propertyChange'
        ? Object.entries(changed).map(([propertyName, value]) =>
            webhookEvent({
              subscriptionType: kind,
              ...common,
              propertyName,
              propertyValue: value === null ? '' : String(value),
            }),
          )
        : [webhookEvent({ subscriptionType: kind, ...common })];
    if (batch.length === 0) return;
    const delivery = sendWebhook(webhookTarget, batch).catch(() => undefined);
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  };

  const route = (req: SandboxRequest): SandboxResponse => {
    const { method, path, query, body } = req;
    let m: RegExpMatchArray | null;

    // Contacts
    if (path === '/crm/v3/objects/contacts/batch/read' && method === 'POST') {
      const batch = batchRequest(body);
      if ('error' in batch) return batch.error;
      const { inputs } = batch;
      const idProperty = typeof batch.body.idProperty === 'string' ? batch.body.idProperty : null;
      const requested = Array.isArray(batch.body.properties)
        ? (batch.body.properties as unknown[]).map(String)
        : [];
      const startedAt = iso();
      const results = [];
      const missing: string[] = [];
      for (const input of inputs) {
        const id = isRecord(input) ? String(input.id) : '';
        const contact = findContact(id, idProperty, false);
        if (contact && malformed.has(contact.id) && malformed.get(contact.id) === undefined)
          return error(400, 'VALIDATION_ERROR', `Invalid input: contact ${contact.id} cannot be read`);
        if (contact && malformed.has(contact.id)) results.push(malformed.get(contact.id));
        else if (contact) results.push(contactView(contact, requested));
        else missing.push(id);
      }
      return batchResponse(results, missing, startedAt, iso());
    }
    if (path === '/crm/v3/objects/contacts/batch/update' && method === 'POST') {
      const batch = batchRequest(body);
      if ('error' in batch) return batch.error;
      const { inputs } = batch;
      const idProperty = typeof batch.body.idProperty === 'string' ? batch.body.idProperty : null;
      // Validation failures reject the whole batch, as HubSpot does.
      for (const input of inputs) {
        if (!isRecord(input) || !isRecord(input.properties))
          return error(
            400,
            'VALIDATION_ERROR',
            'Invalid input JSON: every input needs "id" and "properties"',
          );
        const invalid = validateProperties(input.properties);
        if (invalid) return invalid;
      }
      const startedAt = iso();
      const results = [];
      const missing: string[] = [];
      for (const input of inputs as Record<string, unknown>[]) {
        const contact = findContact(String(input.id), idProperty, false);
        if (!contact) {
          missing.push(String(input.id));
          continue;
        }
        applyUpdate(contact, input.properties as Record<string, unknown>);
        results.push(contactView(contact, Object.keys(input.properties as Record<string, unknown>)));
      }
      return batchResponse(results, missing, startedAt, iso());
    }
    if (path === '/crm/v3/objects/contacts' && method === 'POST') {
      if (!isRecord(body) || !isRecord(body.properties))
        return error(400, 'VALIDATION_ERROR', 'Invalid input JSON: missing "properties"');
      const invalid = validateProperties(body.properties);
      if (invalid) return invalid;
      const email = body.properties.email;
      if (typeof email === 'string' && email.length > 0) {
        const existing = findContact(email, 'email', false);
        if (existing) return error(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
      }
      const contact = storeContact(body.properties);
      echo(contact.id, 'contact.creation', body.properties);
      return { status: 201, body: contactView(contact, Object.keys(body.properties)) };
    }
    if ((m = path.match(/^\/crm\/v3\/objects\/contacts\/([^/]+)$/))) {
      const id = decodeURIComponent(m[1]);
      const idProperty = query.get('idProperty');
      if (method === 'GET') {
        const contact = findContact(id, idProperty, query.get('archived') === 'true');
        if (!contact) return notFound(id);
        return { status: 200, body: contactView(contact, listParam(query, 'properties')) };
      }
      if (method === 'PATCH') {
        const contact = findContact(id, idProperty, false);
        if (!contact) return notFound(id);
        if (!isRecord(body) || !isRecord(body.properties))
          return error(400, 'VALIDATION_ERROR', 'Invalid input JSON: missing "properties"');
        const invalid = validateProperties(body.properties);
        if (invalid) return invalid;
        applyUpdate(contact, body.properties);
        return { status: 200, body: contactView(contact, Object.keys(body.properties)) };
      }
      if (method === 'DELETE') {
        const contact = findContact(id, null, false);
        // Archiving is idempotent: an unknown or already archived id still answers 204.
        if (contact) {
          contact.archived = true;
          echo(contact.id, 'contact.deletion', {});
          contact.archivedAt = iso();
        }
        return { status: 204 };
      }
    }

    // Owners
    if (path === '/crm/v3/owners' && method === 'GET') {
      const email = query.get('email');
      const archived = query.get('archived') === 'true';
      const limit = Math.min(Number(query.get('limit') ?? 100) || 100, 500);
      const after = Number(query.get('after') ?? 0) || 0;
      const matching = owners.filter(
        (o) =>
          (o.archived ?? false) === archived && (!email || o.email.toLowerCase() === email.toLowerCase()),
      );
      const page = matching.slice(after, after + limit);
      const next =
        after + limit < matching.length
          ? { paging: { next: { after: String(after + limit), link: `?after=${after + limit}` } } }
          : {};
      return { status: 200, body: { results: page.map((o) => ({ ...o, teams: [] })), ...next } };
    }
    if ((m = path.match(/^\/crm\/v3\/owners\/([^/]+)$/)) && method === 'GET') {
      const owner = owners.find(
        (o) => o.id === m![1] || (query.get('idProperty') === 'userId' && String(o.userId) === m![1]),
      );
      return owner
        ? { status: 200, body: { ...owner, teams: [] } }
        : error(404, 'OBJECT_NOT_FOUND', `Owner ${m[1]} not found`);
    }

    // Contact properties
    if (path === '/crm/v3/properties/contacts') {
      if (method === 'GET') return { status: 200, body: { results: [...properties.values()] } };
      if (method === 'POST') {
        if (
          !isRecord(body) ||
          typeof body.name !== 'string' ||
          typeof body.type !== 'string' ||
          typeof body.fieldType !== 'string' ||
          typeof body.label !== 'string' ||
          typeof body.groupName !== 'string'
        ) {
          return error(
            400,
            'VALIDATION_ERROR',
            'Invalid input JSON: name, label, type, fieldType and groupName are required',
          );
        }
        if (properties.has(body.name))
          return error(409, 'OBJECT_ALREADY_EXISTS', `A property named '${body.name}' already exists.`);
        if (!/^[a-z][a-z0-9_]*$/.test(body.name))
          return error(
            400,
            'VALIDATION_ERROR',
            `Property name '${body.name}' is not valid: lowercase letters, digits and underscores only`,
          );
        const type = body.type as HubSpotProperty['type'];
        if (!['string', 'number', 'date', 'datetime', 'enumeration', 'bool'].includes(type))
          return error(400, 'VALIDATION_ERROR', `Unknown property type ${type}`);
        const options = Array.isArray(body.options)
          ? (body.options as unknown[]).filter(isRecord).map((o, i) => ({
              label: String(o.label),
              value: String(o.value),
              displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : i,
              hidden: o.hidden === true,
              ...(typeof o.description === 'string' ? { description: o.description } : {}),
            }))
          : [];
        const created = defineProperty(
          {
            name: body.name,
            label: body.label,
            type,
            fieldType: body.fieldType,
            groupName: body.groupName,
            description: typeof body.description === 'string' ? body.description : '',
            options,
            formField: body.formField === true,
            hasUniqueValue: body.hasUniqueValue === true,
            hidden: body.hidden === true,
            displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
          },
          false,
        );
        return { status: 201, body: created };
      }
    }
    if ((m = path.match(/^\/crm\/v3\/properties\/contacts\/([^/]+)$/)) && method === 'GET') {
      const property = properties.get(decodeURIComponent(m[1]));
      return property
        ? { status: 200, body: property }
        : error(404, 'OBJECT_NOT_FOUND', `Unable to find property ${m[1]} for object type contacts`);
    }
    // PropertyUpdate: the fields given replace the stored ones (options as a whole list).
    if ((m = path.match(/^\/crm\/v3\/properties\/contacts\/([^/]+)$/)) && method === 'PATCH') {
      const property = properties.get(decodeURIComponent(m[1]));
      if (!property)
        return error(404, 'OBJECT_NOT_FOUND', `Unable to find property ${m[1]} for object type contacts`);
      if (property.modificationMetadata.readOnlyDefinition)
        return error(
          400,
          'VALIDATION_ERROR',
          `Property ${property.name} is HubSpot-defined and cannot be modified`,
        );
      if (!isRecord(body)) return error(400, 'VALIDATION_ERROR', 'Invalid input JSON');
      if (typeof body.label === 'string') property.label = body.label;
      if (typeof body.description === 'string') property.description = body.description;
      if (Array.isArray(body.options))
        property.options = (body.options as unknown[]).filter(isRecord).map((o, i) => ({
          label: String(o.label),
          value: String(o.value),
          displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : i,
          hidden: o.hidden === true,
          ...(typeof o.description === 'string' ? { description: o.description } : {}),
        }));
      property.updatedAt = iso();
      return { status: 200, body: property };
    }

    // Engagements
    if ((m = path.match(/^\/crm\/v3\/objects\/(tasks|notes|calls|emails|meetings)$/)) && method === 'POST')
      return createEngagement(m[1] as HubSpotEngagementType, body);
    if (
      (m = path.match(/^\/crm\/v3\/objects\/(tasks|notes|calls|emails|meetings)\/batch\/read$/)) &&
      method === 'POST'
    ) {
      const batch = batchRequest(body);
      if ('error' in batch) return batch.error;
      const { inputs } = batch;
      const store = engagementStore[m[1] as HubSpotEngagementType];
      const requested = Array.isArray(batch.body.properties) ? batch.body.properties.map(String) : [];
      const results = [];
      for (const input of inputs) {
        const e = isRecord(input) ? store.get(String(input.id)) : undefined;
        if (e && !e.archived) results.push(engagementView(e, requested));
      }
      const at = iso();
      return { status: 200, body: { status: 'COMPLETE', results, startedAt: at, completedAt: at } };
    }
    if (
      (m = path.match(/^\/crm\/v3\/objects\/(tasks|notes|calls|emails|meetings)\/([^/]+)$/)) &&
      method === 'GET'
    ) {
      const engagement = engagementStore[m[1] as HubSpotEngagementType].get(m[2]);
      return engagement ? { status: 200, body: engagementView(engagement) } : notFound(m[2]);
    }
    if (
      (m = path.match(
        /^\/crm\/v4\/objects\/contacts?\/([^/]+)\/associations\/(tasks|notes|calls|emails|meetings)$/,
      )) &&
      method === 'GET'
    ) {
      const contactId = m[1];
      if (!contacts.has(contactId)) return notFound(contactId);
      const type = m[2] as HubSpotEngagementType;
      const linked = [...engagementStore[type].values()]
        .filter((e) => !e.archived && e.associations.some((a) => a.toObjectId === contactId))
        .map((e) => Number(e.id))
        .sort((a, b) => a - b);
      const limit = Math.min(Number(query.get('limit') ?? 500) || 500, 500);
      const after = Number(query.get('after') ?? 0) || 0;
      const rest = linked.filter((id) => id > after);
      const page = rest.slice(0, limit);
      return {
        status: 200,
        body: {
          results: page.map((id) => ({
            toObjectId: id,
            associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: CONTACT_TO[type], label: null }],
          })),
          ...(rest.length > page.length
            ? { paging: { next: { after: String(page[page.length - 1]) } } }
            : {}),
        },
      };
    }

    // List memberships (lists v3)
    if ((m = path.match(/^\/crm\/v3\/lists\/([^/]+)\/memberships\/add$/)) && method === 'PUT') {
      if (!Array.isArray(body))
        return error(400, 'VALIDATION_ERROR', 'Request body must be an array of record ids');
      const listId = m[1];
      const members = lists.get(listId) ?? new Set<string>();
      lists.set(listId, members);
      const added: string[] = [];
      const missing: string[] = [];
      for (const raw of body as unknown[]) {
        const id = String(raw);
        if (!findContact(id, null, false)) missing.push(id);
        else if (!members.has(id)) {
          members.add(id);
          added.push(id);
        }
      }
      // Field names as in the lists v3 OpenAPI spec (MembershipsUpdateResponse), typo included.
      return {
        status: 200,
        body: { recordsIdsAdded: added, recordIdsMissing: missing, recordIdsRemoved: [] },
      };
    }
    if ((m = path.match(/^\/crm\/v3\/lists\/([^/]+)\/memberships$/)) && method === 'GET') {
      const members = [...(lists.get(m[1]) ?? [])];
      return {
        status: 200,
        body: {
          results: members.map((recordId) => ({ recordId, membershipTimestamp: iso() })),
          total: members.length,
        },
      };
    }

    // Events API (web analytics / behavioural events)
    if (path === '/events/v3/events' && method === 'GET') {
      const objectType = (query.get('objectType') ?? '').toLowerCase();
      if (objectType && objectType !== 'contact' && objectType !== '0-1')
        return { status: 200, body: { results: [] } };
      const objectId = query.get('objectId');
      if (objectId && eventsRejected.has(objectId))
        return error(400, 'VALIDATION_ERROR', `Invalid input: events of ${objectId} cannot be read`);
      const eventType = query.get('eventType');
      const after = query.get('occurredAfter');
      const before = query.get('occurredBefore');
      const limit = Math.min(Number(query.get('limit') ?? 100) || 100, 1000);
      const cursor = Number(query.get('after') ?? 0) || 0;
      const ascending = query.getAll('sort').some((s) => s === 'occurredAt');
      const matching = events
        .filter(
          (e) =>
            (!objectId || e.objectId === objectId) &&
            (!eventType || e.eventType === eventType) &&
            (!after || Date.parse(e.occurredAt) > Date.parse(after)) &&
            (!before || Date.parse(e.occurredAt) < Date.parse(before)),
        )
        .sort((a, b) => (ascending ? 1 : -1) * (Date.parse(a.occurredAt) - Date.parse(b.occurredAt)));
      const page = matching.slice(cursor, cursor + limit);
      const paging =
        cursor + limit < matching.length
          ? { paging: { next: { after: String(cursor + limit), link: `?after=${cursor + limit}` } } }
          : {};
      return { status: 200, body: { results: page, ...paging } };
    }
    if (path === '/events/v3/events/event-types' && method === 'GET') {
      return {
        status: 200,
        body: {
          eventTypes: [
            ...new Set(['e_visited_page', 'e_submitted_form', ...events.map((e) => e.eventType)]),
          ].sort(),
        },
      };
    }

    return error(404, 'OBJECT_NOT_FOUND', `No route for ${method} ${path}`);
  };

  const rateLimitHeaders = (remaining: number): Record<string, string> => ({
    'X-HubSpot-RateLimit-Max': String(rateLimit.max),
    'X-HubSpot-RateLimit-Remaining': String(Math.max(0, remaining)),
    'X-HubSpot-RateLimit-Interval-Milliseconds': String(rateLimit.intervalMs),
    'X-HubSpot-Correlation-Id': correlationId(),
  });

  // The 429 body of HubSpot's API usage guidelines; @hubspot/api-client's RetryDecorator keys on policyName.
  const rateLimited = (): SandboxResponse => ({
    status: 429,
    body: {
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: correlationId(),
      policyName: 'TEN_SECONDLY_ROLLING',
      requestId: randomUUID(),
    },
  });

  const dispatch = (req: SandboxRequest & { jsonError: boolean }): SandboxResponse => {
    const t = now();
    acceptedAt = acceptedAt.filter((at) => at > t - rateLimit.intervalMs);
    const auth = req.headers.authorization ?? '';
    if (!/^Bearer \S+/.test(auth)) {
      const res = error(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      );
      return { ...res, headers: rateLimitHeaders(rateLimit.max - acceptedAt.length) };
    }
    if (acceptedAt.length >= rateLimit.max) {
      return { ...rateLimited(), headers: rateLimitHeaders(0) };
    }
    acceptedAt.push(t);
    const headers = rateLimitHeaders(rateLimit.max - acceptedAt.length);
    const failure = failures.shift();
    if (failure) {
      const res =
        failure.status === 429
          ? rateLimited()
          : error(
              failure.status,
              'INTERNAL_ERROR',
              failure.status === 500 ? 'internal error' : 'Service temporarily unavailable',
            );
      return {
        ...res,
        headers: {
          ...headers,
          ...(failure.retryAfterSeconds !== undefined
            ? { 'Retry-After': String(failure.retryAfterSeconds) }
            : {}),
        },
      };
    }
    if (req.jsonError)
      return {
        ...error(400, 'VALIDATION_ERROR', 'Invalid input JSON: unable to parse request body'),
        headers,
      };
    const res = route(req);
    return { ...res, headers: { ...headers, ...res.headers } };
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void =>
    serveRecorded(req, res, dispatch, requests, now, (message) => error(500, 'INTERNAL_ERROR', message));

  const server = await listen(handler, opts.port);
  const baseUrl = `http://127.0.0.1:${server.port}`;

  const webhookEvent: HubSpotSandbox['webhookEvent'] = (partial) => {
    const event: HubSpotWebhookEvent = {
      eventId: nextEventId++,
      subscriptionId:
        1000 +
        Math.abs([...partial.subscriptionType].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7) % 9000),
      portalId,
      appId,
      occurredAt: now(),
      attemptNumber: 0,
      changeSource: 'CRM_UI',
      ...(partial.subscriptionType.endsWith('.creation') ? { changeFlag: 'NEW' } : {}),
      ...partial,
    };
    // A change made at a HubSpot screen names the user who made it (here: the first owner's user).
    if (partial.changeSource === undefined && partial.sourceId === undefined && owners[0])
      event.sourceId = `userId:${owners[0].userId}`;
    return event;
  };

  const sendWebhook = async (
    targetUrl: string,
    batch: HubSpotWebhookEvent[],
    options: {
      secret?: string;
      timestamp?: number;
      tamper?: boolean;
      pretty?: boolean;
      signal?: AbortSignal;
    } = {},
  ): Promise<Response> => {
    const timestamp = options.timestamp ?? now();
    const secret = options.secret ?? clientSecret;
    const rawBody = options.pretty ? JSON.stringify(batch, null, 2) : JSON.stringify(batch);
    const signature = signHubSpotV3(secret, 'POST', targetUrl, rawBody, timestamp);
    let sentBody = rawBody;
    if (options.tamper) {
      // Altered in transit after signing: same shape, different first objectId.
      const altered = batch.map((e, i) => (i === 0 ? { ...e, objectId: e.objectId + 1 } : e));
      sentBody = options.pretty ? JSON.stringify(altered, null, 2) : JSON.stringify(altered);
    }
    const response = await fetch(targetUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) - sandbox',
        'X-HubSpot-Signature-v3': signature,
        'X-HubSpot-Request-Timestamp': String(timestamp),
        'X-HubSpot-Signature': signHubSpotV1(secret, rawBody),
        'X-HubSpot-Signature-Version': 'v1',
      },
      body: sentBody,
      signal: options.signal,
    });
    webhookDeliveries.push({ url: targetUrl, events: batch, status: response.status, at: now() });
    return response;
  };

  /** The answers HubSpot takes as final (webhooks docs): it retries every other non-2xx status. */
  const FINAL_STATUSES = new Set([400, 401, 403, 404, 405]);
  /** HubSpot's delivery loop: retry on connection failure, timeout and any status but 2xx and 400, 401, 403, 404, 405 (429 after Retry-After). */
  const deliverWebhook: HubSpotSandbox['deliverWebhook'] = async (targetUrl, batch, options = {}) => {
    const maxAttempts = options.maxAttempts ?? 10;
    const retryDelayMs = options.retryDelayMs ?? ((attempt: number) => Math.min(1000 * 2 ** attempt, 30_000));
    const timeoutMs = options.timeoutMs ?? 5_000;
    let status: number | null = null;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const events = batch.map((e) => ({ ...e, attemptNumber: (e.attemptNumber ?? 0) + attempt }));
      let waitMs = retryDelayMs(attempt);
      try {
        const response = await sendWebhook(targetUrl, events, {
          secret: options.secret,
          pretty: options.pretty,
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        await response.arrayBuffer();
        if (status < 300) return { delivered: true, attempts: attempt + 1, status };
        if (FINAL_STATUSES.has(status)) return { delivered: false, attempts: attempt + 1, status };
        const retryAfter = Number(response.headers.get('retry-after'));
        if (status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) waitMs = retryAfter * 1000;
      } catch {
        status = null;
      }
      if (attempt + 1 < maxAttempts) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    return { delivered: false, attempts: maxAttempts, status };
  };

  return {
    baseUrl,
    clientSecret,
    appId,
    portalId,
    close: async () => {
      await Promise.all([...inFlight]);
      await server.close();
    },
    contacts,
    owners,
    properties,
    tasks,
    notes,
    calls,
    emails,
    meetings,
    lists,
    events,
    requests,
    webhookDeliveries,
    createContact: (values) => storeContact(values),
    addEvent: ({ objectId, eventType, properties: eventProps = {}, occurredAt }) => {
      const at =
        occurredAt === undefined
          ? now()
          : typeof occurredAt === 'number'
            ? occurredAt
            : Date.parse(occurredAt);
      const event: HubSpotBehaviouralEvent = {
        id: `sandbox-${randomUUID()}`,
        objectType: 'CONTACT',
        objectId: String(objectId),
        eventType,
        occurredAt: iso(at),
        properties: eventProps,
      };
      events.push(event);
      return event;
    },
    malformContact: (id, view) => {
      malformed.set(id, view);
    },
    restoreContact: (id) => {
      malformed.delete(id);
      eventsRejected.delete(id);
    },
    rejectEventsOf: (id) => {
      eventsRejected.add(id);
    },
    failNext: (status, options = {}) => {
      for (let i = 0; i < (options.count ?? 1); i++)
        failures.push({ status, retryAfterSeconds: options.retryAfterSeconds });
    },
    webhookEvent,
    sendWebhook: (targetUrl, batch, options) => sendWebhook(targetUrl, batch, options),
    deliverWebhook,
    setWebhookTarget: (url) => {
      webhookTarget = url;
    },
    webhooksSettled: async () => {
      await Promise.all([...inFlight]);
    },
    resetRateLimit: () => {
      acceptedAt = [];
    },
  };
}
