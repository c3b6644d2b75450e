import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  listen,
  serveRecorded,
  randomId,
  type RecordedRequest,
  type SandboxRequest,
  type SandboxResponse,
} from './http.js';
import {
  describeField,
  isSalesforceId,
  KEY_PREFIX,
  makeId,
  normalizeId,
  sfDateTime,
  STANDARD_FIELDS,
  toSecond,
  type SalesforceCustomField,
  type SalesforceField,
  type SalesforceObjectName,
} from './salesforce-schema.js';
import { matches, parseSoql, SoqlError } from './soql.js';
import { CometdEndpoint } from './cometd.js';

/*
 * A local Salesforce org: REST API (sobjects, describe, a SOQL subset, composite/sobjects,
 * limits) under /services/data/v{version}/ and Change Data Capture over CometD at
 * /cometd/{version} (see cometd.ts). Errors are shaped as the REST API Developer Guide's
 * "Status Codes and Error Responses": an array of { message, errorCode[, fields] }.
 */

export type SalesforceRecord = Record<string, unknown>;

export type ChangeType =
  | 'CREATE'
  | 'UPDATE'
  | 'DELETE'
  | 'UNDELETE'
  | 'GAP_CREATE'
  | 'GAP_UPDATE'
  | 'GAP_DELETE'
  | 'GAP_UNDELETE'
  | 'GAP_OVERFLOW';

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  changedFields: string[];
  diffFields: string[];
  nulledFields: string[];
}

export interface ChangeEventPayload {
  ChangeEventHeader: ChangeEventHeader;
  [field: string]: unknown;
}

export interface RetainedEvent {
  channel: string;
  replayId: number;
  /** The Bayeux `data.payload`; `data` on the wire is { schema, payload, event: { replayId } }. */
  payload: ChangeEventPayload;
  schema: string;
  createdAt: number;
}

export interface SalesforceUser {
  Id: string;
  Name: string;
  Email: string;
  IsActive: boolean;
}

export type SalesforceFailureStatus = 500 | 503 | 403;

export interface SalesforceSandboxOptions {
  port?: number;
  /** Default '62.0'. */
  apiVersion?: string;
  /** Rolling 24 h API request allocation; default 15 000 (a Developer Edition org). */
  dailyLimit?: number;
  /** Clock (ms since epoch); defaults to Date.now. Drives LastModifiedDate, commitTimestamp and retention. */
  now?: () => number;
  /** Custom fields (`Baton_Score__c`, ...) the org has; writing an unknown field answers INVALID_FIELD. */
  customFields?: SalesforceCustomField[];
  /** Simulates an active lead assignment rule: REST creates/updates of a Lead without `Sforce-Auto-Assign: FALSE` get this owner. */
  assignmentRuleOwnerId?: string;
  /** Users (reps); default three active users plus the integration user the token belongs to. */
  users?: SalesforceUser[];
  /** Access token to require; default a random one (read it from `accessToken`). */
  accessToken?: string;
  /** The org's Lead Status picklist (orgs customise it); default the four standard values. The first is the default. */
  leadStatuses?: string[];
}

export interface SalesforceSandbox {
  instanceUrl: string;
  accessToken: string;
  apiVersion: string;
  close(): Promise<void>;
  leads: Map<string, SalesforceRecord>;
  tasks: Map<string, SalesforceRecord>;
  campaignMembers: SalesforceRecord[];
  users: SalesforceUser[];
  integrationUserId: string;
  requests: RecordedRequest[];
  /** 3-day retention buffer of change events (oldest first). */
  retained: RetainedEvent[];
  createLead(
    fields: SalesforceRecord,
    opts?: { changeOrigin?: string; commitUser?: string },
  ): SalesforceRecord;
  updateLead(
    id: string,
    fields: SalesforceRecord,
    opts?: { changeOrigin?: string; commitUser?: string },
  ): void;
  deleteLead(id: string, opts?: { changeOrigin?: string; commitUser?: string }): void;
  logTask(fields: SalesforceRecord, opts?: { changeOrigin?: string; commitUser?: string }): SalesforceRecord;
  emitGap(
    entityName: 'Lead' | 'Task',
    recordIds: string[],
    changeType?: Extract<ChangeType, `GAP_${string}`>,
  ): void;
  failNext(status: SalesforceFailureStatus, opts?: { count?: number; errorCode?: string }): void;
  addCustomField(field: SalesforceCustomField): void;
  /** API requests counted in the rolling 24 h window. */
  apiUsage(): { used: number; max: number };
}

const RETENTION_MS = 3 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const COMPOSITE_LIMIT = 200;
const QUERY_BATCH = 2000;

type SfError = { message: string; errorCode: string; fields?: string[] };

class SalesforceApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: SfError[],
  ) {
    super(errors[0]?.message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function startSalesforceSandbox(
  opts: SalesforceSandboxOptions = {},
): Promise<SalesforceSandbox> {
  const now = opts.now ?? Date.now;
  const apiVersion = opts.apiVersion ?? '62.0';
  const dailyLimit = opts.dailyLimit ?? 15_000;
  const accessToken =
    opts.accessToken ??
    `00Dsandbox!${randomId(40, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
  let counter = 1;
  const nextId = (prefix: string) => makeId(prefix, counter++);

  const integrationUserId = nextId(KEY_PREFIX.User);
  const users: SalesforceUser[] = opts.users ?? [
    { Id: nextId(KEY_PREFIX.User), Name: 'Ada Rep', Email: 'ada.rep@example.com', IsActive: true },
    { Id: nextId(KEY_PREFIX.User), Name: 'Ben Rep', Email: 'ben.rep@example.com', IsActive: true },
    { Id: nextId(KEY_PREFIX.User), Name: 'Cleo Rep', Email: 'cleo.rep@example.com', IsActive: true },
  ];
  if (!users.some((u) => u.Id === integrationUserId)) {
    users.push({
      Id: integrationUserId,
      Name: 'Integration User',
      Email: 'integration@example.com',
      IsActive: true,
    });
  }

  const fields: Record<SalesforceObjectName, Map<string, SalesforceField>> = {
    Lead: new Map(STANDARD_FIELDS.Lead.map((x) => [x.name, x])),
    Task: new Map(STANDARD_FIELDS.Task.map((x) => [x.name, x])),
    CampaignMember: new Map(STANDARD_FIELDS.CampaignMember.map((x) => [x.name, x])),
  };
  const addCustomField = (c: SalesforceCustomField) => {
    if (!c.name.endsWith('__c')) throw new Error(`custom field names end in __c: ${c.name}`);
    fields[c.object].set(c.name, {
      name: c.name,
      label: c.label ?? c.name.replace(/__c$/, '').replace(/_/g, ' '),
      type: c.type,
      createable: true,
      updateable: true,
      nillable: true,
      custom: true,
      picklistValues: c.picklistValues,
      restrictedPicklist: c.restrictedPicklist,
    });
  };
  for (const c of opts.customFields ?? []) addCustomField(c);
  if (opts.leadStatuses && opts.leadStatuses.length > 0) {
    const status = fields.Lead.get('Status')!;
    fields.Lead.set('Status', {
      ...status,
      picklistValues: [...opts.leadStatuses],
      defaultValue: opts.leadStatuses[0],
    });
  }

  const leads = new Map<string, SalesforceRecord>();
  const tasks = new Map<string, SalesforceRecord>();
  const campaignMembers: SalesforceRecord[] = [];
  const requests: RecordedRequest[] = [];
  const retained: RetainedEvent[] = [];
  const failures: { status: SalesforceFailureStatus; errorCode?: string }[] = [];
  let usage: number[] = [];
  let usageStart = 0;
  let replayCounter = 0;
  let commitNumber = 10_650_188_000;
  const schemas: Record<string, string> = {};

  const cometd = new CometdEndpoint({ apiVersion, accessToken, retained, now, retentionMs: RETENTION_MS });

  // ---------- change events ----------

  const publishChange = (
    entityName: 'Lead' | 'Task',
    header: Omit<
      ChangeEventHeader,
      | 'entityName'
      | 'transactionKey'
      | 'sequenceNumber'
      | 'commitTimestamp'
      | 'commitNumber'
      | 'diffFields'
      | 'nulledFields'
    > & { nulledFields?: string[] },
    body: SalesforceRecord,
  ) => {
    cometd.prune();
    const channel = `/data/${entityName}ChangeEvent`;
    schemas[channel] ??= randomId(22, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-');
    const payload: ChangeEventPayload = {
      ...body,
      ChangeEventHeader: {
        entityName,
        recordIds: header.recordIds,
        changeType: header.changeType,
        changeOrigin: header.changeOrigin,
        transactionKey: randomUUID(),
        sequenceNumber: 1,
        commitTimestamp: toSecond(now()),
        commitNumber: commitNumber++,
        commitUser: header.commitUser,
        changedFields: header.changedFields,
        diffFields: [],
        nulledFields: header.nulledFields ?? [],
      },
    };
    const event: RetainedEvent = {
      channel,
      replayId: ++replayCounter,
      payload,
      schema: schemas[channel],
      createdAt: now(),
    };
    retained.push(event);
    cometd.publish(event);
  };

  /** CDC body: changed fields only for UPDATE, all non-null for CREATE, with Name and Address nested as compound fields. */
  const changeBody = (object: 'Lead' | 'Task', record: SalesforceRecord, names: string[]) => {
    const body: SalesforceRecord = {};
    const changedFields: string[] = [];
    for (const name of names) {
      const field = fields[object].get(name);
      if (!field || name === 'Id' || name === 'Name' || name === 'IsDeleted' || name === 'SystemModstamp')
        continue;
      const value = record[name] === undefined ? null : record[name];
      const cdcValue =
        field.type === 'datetime' && typeof value === 'string'
          ? new Date(Date.parse(value.replace('+0000', 'Z'))).toISOString()
          : value;
      if (field.compound) {
        const group = (body[field.compound] ??= {}) as SalesforceRecord;
        group[name] = cdcValue;
        changedFields.push(`${field.compound}.${name}`);
      } else {
        body[name] = cdcValue;
        changedFields.push(name);
      }
    }
    return { body, changedFields };
  };

  const originFor = (headers: Record<string, string>) => {
    // Sforce-Call-Options: client=<name> ends up in changeOrigin; jsforce sends it from `callOptions`.
    const client = /client=([^,;\s]+)/.exec(headers['sforce-call-options'] ?? '')?.[1];
    return `com/salesforce/api/rest/${apiVersion}${client ? `;client=${client}` : ''}`;
  };

  // ---------- records ----------

  const errorsFor = (status: number, errorCode: string, message: string, fieldNames?: string[]) =>
    new SalesforceApiError(status, [{ message, errorCode, ...(fieldNames ? { fields: fieldNames } : {}) }]);

  const store = (object: SalesforceObjectName): Map<string, SalesforceRecord> | undefined =>
    object === 'Lead' ? leads : object === 'Task' ? tasks : undefined;

  const findRecord = (object: SalesforceObjectName, id: string): SalesforceRecord | undefined => {
    if (!isSalesforceId(id)) return undefined;
    const canonical = normalizeId(id);
    if (object === 'CampaignMember') return campaignMembers.find((m) => m.Id === canonical);
    return store(object)?.get(canonical);
  };

  /** Validates a create/update body; returns the values to store. Throws SalesforceApiError like the API. */
  const validate = (
    object: SalesforceObjectName,
    values: SalesforceRecord,
    mode: 'create' | 'update',
  ): SalesforceRecord => {
    const clean: SalesforceRecord = {};
    const notWritable: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      if (name === 'attributes' || (mode === 'update' && (name === 'Id' || name === 'id'))) continue;
      const field = fields[object].get(name);
      if (!field)
        throw errorsFor(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${object}`);
      if (mode === 'create' ? !field.createable : !field.updateable) {
        notWritable.push(name);
        continue;
      }
      if (value === null || value === '') {
        if (!field.nillable)
          throw errorsFor(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${name}]`, [name]);
        clean[name] = null;
        continue;
      }
      if (field.type === 'reference' || field.type === 'id') {
        if (typeof value !== 'string' || !isSalesforceId(value)) {
          throw errorsFor(
            400,
            'MALFORMED_ID',
            `${field.label}: id value of incorrect type: ${String(value)}`,
            [name],
          );
        }
        const id = normalizeId(value);
        if (
          name === 'OwnerId' &&
          !users.some((u) => u.Id === id && u.IsActive) &&
          !id.startsWith(KEY_PREFIX.Group)
        ) {
          throw errorsFor(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [name]);
        }
        if (name === 'WhoId' && id.startsWith(KEY_PREFIX.Lead) && !leads.has(id))
          throw errorsFor(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [name]);
        if (name === 'LeadId' && !leads.has(id))
          throw errorsFor(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [name]);
        clean[name] = id;
        continue;
      }
      if (
        field.type === 'picklist' &&
        field.restrictedPicklist &&
        !(field.picklistValues ?? []).includes(String(value))
      ) {
        throw errorsFor(
          400,
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${field.label}: bad value for restricted picklist field: ${String(value)}`,
          [name],
        );
      }
      if ((field.type === 'int' || field.type === 'double') && typeof value !== 'number') {
        if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
          clean[name] = Number(value);
          continue;
        }
        throw errorsFor(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of ${field.type} from VALUE_STRING value ${String(value)}`,
        );
      }
      if (field.type === 'boolean' && typeof value !== 'boolean') {
        throw errorsFor(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of boolean from VALUE_STRING value ${String(value)}`,
        );
      }
      clean[name] = value;
    }
    if (notWritable.length > 0) {
      throw errorsFor(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        notWritable,
      );
    }
    if (mode === 'create') {
      const missing = [...fields[object].values()]
        .filter((x) => x.required && (clean[x.name] === undefined || clean[x.name] === null))
        .map((x) => x.name);
      if (missing.length > 0)
        throw errorsFor(
          400,
          'REQUIRED_FIELD_MISSING',
          `Required fields are missing: [${missing.join(', ')}]`,
          missing,
        );
    }
    return clean;
  };

  const newRecord = (
    object: SalesforceObjectName,
    values: SalesforceRecord,
    userId: string,
  ): SalesforceRecord => {
    const at = sfDateTime(now());
    const record: SalesforceRecord = {};
    for (const field of fields[object].values()) {
      if (field.defaultValue !== undefined) record[field.name] = field.defaultValue;
      else if (field.type !== 'id') record[field.name] = null;
    }
    Object.assign(record, values, {
      Id: nextId(KEY_PREFIX[object]),
      CreatedDate: at,
      CreatedById: userId,
      LastModifiedDate: at,
      LastModifiedById: userId,
      SystemModstamp: at,
      IsDeleted: false,
    });
    record.OwnerId ??= userId;
    if (object === 'Lead') record.Name = [record.FirstName, record.LastName].filter((x) => x).join(' ');
    if (object === 'Task') record.IsClosed = record.Status === 'Completed';
    return record;
  };

  const createRecord = (
    object: SalesforceObjectName,
    raw: SalesforceRecord,
    origin: { changeOrigin: string; commitUser: string; autoAssign: boolean },
  ): SalesforceRecord => {
    const values = validate(object, raw, 'create');
    if (object === 'CampaignMember') {
      const campaignId = String(values.CampaignId);
      if (!campaignId.startsWith(KEY_PREFIX.Campaign))
        throw errorsFor(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['CampaignId']);
      if (!values.LeadId && !values.ContactId)
        throw errorsFor(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [LeadId]', ['LeadId']);
      if (campaignMembers.some((m) => m.CampaignId === campaignId && m.LeadId === values.LeadId)) {
        throw errorsFor(400, 'DUPLICATE_VALUE', 'Already a campaign member.');
      }
      const member = newRecord('CampaignMember', values, origin.commitUser);
      delete member.OwnerId;
      campaignMembers.push(member);
      return member;
    }
    if (object === 'Lead' && origin.autoAssign && opts.assignmentRuleOwnerId)
      values.OwnerId = normalizeId(opts.assignmentRuleOwnerId);
    const record = newRecord(object, values, origin.commitUser);
    store(object)!.set(String(record.Id), record);
    const { body } = changeBody(
      object,
      record,
      Object.keys(record).filter((k) => record[k] !== null),
    );
    publishChange(
      object,
      {
        recordIds: [String(record.Id)],
        changeType: 'CREATE',
        changeOrigin: origin.changeOrigin,
        commitUser: origin.commitUser,
        changedFields: [],
      },
      body,
    );
    return record;
  };

  const updateRecord = (
    object: 'Lead' | 'Task',
    id: string,
    raw: SalesforceRecord,
    origin: { changeOrigin: string; commitUser: string; autoAssign: boolean },
  ) => {
    const record = findRecord(object, id);
    if (!record) throw errorsFor(404, 'NOT_FOUND', 'The requested resource does not exist');
    const values = validate(object, raw, 'update');
    if (object === 'Lead' && origin.autoAssign && opts.assignmentRuleOwnerId)
      values.OwnerId = normalizeId(opts.assignmentRuleOwnerId);
    const changed = Object.keys(values).filter((k) => record[k] !== values[k]);
    Object.assign(record, values);
    const at = sfDateTime(now());
    record.LastModifiedDate = at;
    record.SystemModstamp = at;
    record.LastModifiedById = origin.commitUser;
    if (object === 'Lead') record.Name = [record.FirstName, record.LastName].filter((x) => x).join(' ');
    if (object === 'Task') record.IsClosed = record.Status === 'Completed';
    // A save that changes nothing still commits and publishes an UPDATE carrying LastModifiedDate.
    const { body, changedFields } = changeBody(object, record, [...changed, 'LastModifiedDate']);
    const nulledFields = changed.filter((k) => values[k] === null);
    publishChange(
      object,
      {
        recordIds: [String(record.Id)],
        changeType: 'UPDATE',
        changeOrigin: origin.changeOrigin,
        commitUser: origin.commitUser,
        changedFields,
        nulledFields,
      },
      body,
    );
  };

  // ---------- REST ----------

  const attributes = (object: string, id: unknown) => ({
    type: object,
    url: `/services/data/v${apiVersion}/sobjects/${object}/${String(id)}`,
  });
  const view = (object: SalesforceObjectName, record: SalesforceRecord, only?: string[]) => {
    const out: SalesforceRecord = { attributes: attributes(object, record.Id) };
    for (const name of only ?? [...fields[object].keys()])
      out[name] = record[name] === undefined ? null : record[name];
    return out;
  };
  const objectName = (raw: string): SalesforceObjectName => {
    if (raw === 'Lead' || raw === 'Task' || raw === 'CampaignMember') return raw;
    throw errorsFor(404, 'NOT_FOUND', `The requested resource does not exist`);
  };
  const queries = new Map<string, { records: SalesforceRecord[]; offset: number }>();

  const runQuery = (soql: string) => {
    let parsed;
    try {
      parsed = parseSoql(soql);
    } catch (err) {
      if (err instanceof SoqlError) throw errorsFor(400, err.errorCode, err.message);
      throw err;
    }
    if (parsed.object !== 'Lead' && parsed.object !== 'Task' && parsed.object !== 'CampaignMember') {
      throw errorsFor(400, 'INVALID_TYPE', `sObject type '${parsed.object}' is not supported.`);
    }
    const object = parsed.object;
    const known = fields[object];
    for (const name of [
      ...parsed.fields,
      ...parsed.where.map((w) => w.field),
      ...(parsed.orderBy ? [parsed.orderBy.field] : []),
    ]) {
      if (!known.has(name))
        throw errorsFor(
          400,
          'INVALID_FIELD',
          `No such column '${name}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`,
        );
    }
    const isDate = (name: string) => ['datetime', 'date'].includes(known.get(name)?.type ?? '');
    const isId = (name: string) => ['id', 'reference'].includes(known.get(name)?.type ?? '');
    const source = object === 'CampaignMember' ? campaignMembers : [...store(object)!.values()];
    let rows = source.filter((r) => matches(r, parsed.where, isDate, isId));
    if (parsed.orderBy) {
      const { field, direction } = parsed.orderBy;
      const key = (r: SalesforceRecord) =>
        isDate(field) && typeof r[field] === 'string'
          ? Date.parse(String(r[field]).replace('+0000', 'Z'))
          : (r[field] as number | string | null);
      rows = [...rows].sort((a, b) => {
        const x = key(a);
        const y = key(b);
        // Salesforce sorts nulls first ascending.
        if (x === y) return 0;
        if (x === null) return direction === 'ASC' ? -1 : 1;
        if (y === null) return direction === 'ASC' ? 1 : -1;
        return (x < y ? -1 : 1) * (direction === 'ASC' ? 1 : -1);
      });
    }
    if (parsed.limit !== undefined) rows = rows.slice(0, parsed.limit);
    return page(
      rows.map((r) => view(object, r, parsed.fields)),
      0,
      randomId(15),
    );
  };

  const page = (records: SalesforceRecord[], offset: number, locator: string) => {
    const batch = records.slice(offset, offset + QUERY_BATCH);
    const done = offset + QUERY_BATCH >= records.length;
    if (!done) queries.set(locator, { records, offset: offset + QUERY_BATCH });
    return {
      totalSize: records.length,
      done,
      ...(done
        ? {}
        : { nextRecordsUrl: `/services/data/v${apiVersion}/query/01g${locator}-${offset + QUERY_BATCH}` }),
      records: batch,
    };
  };

  const route = (req: SandboxRequest): SandboxResponse => {
    const prefix = /^\/services\/data\/v(\d+\.\d+)(\/.*)?$/.exec(req.path);
    if (!prefix) throw errorsFor(404, 'NOT_FOUND', 'The requested resource does not exist');
    const rest = prefix[2] ?? '/';
    const { method, body, headers } = req;
    const autoAssign = (headers['sforce-auto-assign'] ?? 'TRUE').toUpperCase() !== 'FALSE';
    const origin = { changeOrigin: originFor(headers), commitUser: integrationUserId, autoAssign };
    let m: RegExpExecArray | null;

    if (rest === '/limits' && method === 'GET') {
      const { used, max } = apiUsage();
      return { status: 200, body: { DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) } } };
    }
    if (rest === '/query' && method === 'GET') {
      const q = req.query.get('q');
      if (!q) throw errorsFor(400, 'MALFORMED_QUERY', 'A query string has to be specified');
      return { status: 200, body: runQuery(q) };
    }
    if ((m = /^\/query\/01g([a-z0-9]+)-(\d+)$/.exec(rest)) && method === 'GET') {
      const cursor = queries.get(m[1]);
      if (!cursor || cursor.offset !== Number(m[2]))
        throw errorsFor(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      queries.delete(m[1]);
      return { status: 200, body: page(cursor.records, cursor.offset, m[1]) };
    }
    if (rest === '/composite/sobjects' && (method === 'PATCH' || method === 'POST')) {
      if (!isRecord(body) || !Array.isArray(body.records))
        throw errorsFor(400, 'JSON_PARSER_ERROR', 'records is required');
      const records = body.records as unknown[];
      if (records.length > COMPOSITE_LIMIT)
        throw errorsFor(
          400,
          'EXCEEDED_ID_LIMIT',
          `record limit reached. cannot submit more than ${COMPOSITE_LIMIT} records into this call`,
        );
      const allOrNone = body.allOrNone === true;
      const results = records.map((raw) => {
        try {
          if (!isRecord(raw) || !isRecord(raw.attributes) || typeof raw.attributes.type !== 'string') {
            throw errorsFor(400, 'INVALID_TYPE', 'Must specify a type in attributes');
          }
          const object = objectName(raw.attributes.type);
          if (method === 'POST') {
            const record = createRecord(object, raw, origin);
            return { id: record.Id, success: true, errors: [] };
          }
          const id = String(raw.id ?? raw.Id ?? '');
          if (!isSalesforceId(id))
            throw errorsFor(400, 'MALFORMED_ID', `${object} ID: id value of incorrect type: ${id}`, ['Id']);
          if (object === 'CampaignMember')
            throw errorsFor(400, 'INVALID_TYPE', 'CampaignMember updates are not supported by the sandbox');
          updateRecord(object, id, raw, origin);
          return { id: normalizeId(id), success: true, errors: [] };
        } catch (err) {
          if (!(err instanceof SalesforceApiError)) throw err;
          // Collection results use statusCode (not errorCode) per the Composite sObject Collections docs.
          return {
            success: false,
            errors: err.errors.map((e) => ({
              statusCode: e.errorCode,
              message: e.message,
              fields: e.fields ?? [],
            })),
          };
        }
      });
      if (allOrNone && results.some((r) => !r.success)) {
        // The sandbox applies records one by one; with allOrNone it reports the rollback but keeps earlier writes.
        return {
          status: 200,
          body: results.map((r) =>
            r.success
              ? {
                  success: false,
                  errors: [
                    {
                      statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                      message:
                        'Record rolled back because not all records were valid and the request was using AllOrNone header',
                      fields: [],
                    },
                  ],
                }
              : r,
          ),
        };
      }
      return { status: 200, body: results };
    }
    if ((m = /^\/sobjects\/(\w+)\/describe$/.exec(rest)) && method === 'GET') {
      const object = objectName(m[1]);
      return {
        status: 200,
        body: {
          name: object,
          label: object === 'CampaignMember' ? 'Campaign Member' : object,
          labelPlural: object === 'CampaignMember' ? 'Campaign Members' : `${object}s`,
          keyPrefix: KEY_PREFIX[object],
          custom: false,
          createable: true,
          updateable: true,
          deletable: true,
          queryable: true,
          retrieveable: true,
          fields: [...fields[object].values()].map(describeField),
          urls: {
            sobject: `/services/data/v${apiVersion}/sobjects/${object}`,
            describe: `/services/data/v${apiVersion}/sobjects/${object}/describe`,
            rowTemplate: `/services/data/v${apiVersion}/sobjects/${object}/{ID}`,
          },
        },
      };
    }
    if ((m = /^\/sobjects\/(\w+)$/.exec(rest)) && method === 'POST') {
      const object = objectName(m[1]);
      if (!isRecord(body))
        throw errorsFor(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
      const record = createRecord(object, body, origin);
      return { status: 201, body: { id: record.Id, success: true, errors: [] } };
    }
    if ((m = /^\/sobjects\/(\w+)\/([^/]+)$/.exec(rest))) {
      const object = objectName(m[1]);
      const id = m[2];
      if (method === 'GET') {
        const record = findRecord(object, id);
        if (!record) throw errorsFor(404, 'NOT_FOUND', 'The requested resource does not exist');
        const only = req.query
          .get('fields')
          ?.split(',')
          .map((x) => x.trim())
          .filter((x) => x);
        for (const name of only ?? []) {
          if (!fields[object].has(name))
            throw errorsFor(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${object}`);
        }
        return { status: 200, body: view(object, record, only) };
      }
      if (method === 'PATCH') {
        if (!isRecord(body))
          throw errorsFor(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
        if (object === 'CampaignMember')
          throw errorsFor(400, 'INVALID_TYPE', 'CampaignMember updates are not supported by the sandbox');
        updateRecord(object, id, body, origin);
        return { status: 204 };
      }
      if (method === 'DELETE' && object === 'Lead') {
        const record = findRecord('Lead', id);
        if (!record) throw errorsFor(404, 'ENTITY_IS_DELETED', 'entity is deleted');
        leads.delete(String(record.Id));
        publishChange(
          'Lead',
          {
            recordIds: [String(record.Id)],
            changeType: 'DELETE',
            changeOrigin: origin.changeOrigin,
            commitUser: origin.commitUser,
            changedFields: [],
          },
          {},
        );
        return { status: 204 };
      }
    }
    throw errorsFor(404, 'NOT_FOUND', 'The requested resource does not exist');
  };

  const apiUsage = () => {
    const horizon = now() - DAY_MS;
    // Timestamps are appended in clock order: drop expired ones from the front, compacting now and then.
    while (usageStart < usage.length && usage[usageStart] <= horizon) usageStart++;
    if (usageStart > 4096 && usageStart * 2 > usage.length) {
      usage = usage.slice(usageStart);
      usageStart = 0;
    }
    return { used: usage.length - usageStart, max: dailyLimit };
  };

  const dispatch = (req: SandboxRequest & { jsonError: boolean }): SandboxResponse => {
    const limitHeader = () => {
      const { used, max } = apiUsage();
      return { 'Sforce-Limit-Info': `api-usage=${used}/${max}` };
    };
    const auth = req.headers.authorization ?? '';
    const token = /^(?:Bearer|OAuth) (.+)$/.exec(auth)?.[1];
    if (token !== accessToken) {
      return {
        status: 401,
        body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
        headers: { 'WWW-Authenticate': 'Token' },
      };
    }
    if (apiUsage().used >= dailyLimit) {
      return {
        status: 403,
        body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
        headers: limitHeader(),
      };
    }
    usage.push(now());
    const failure = failures.shift();
    if (failure) {
      const errorCode =
        failure.errorCode ??
        (failure.status === 403
          ? 'REQUEST_LIMIT_EXCEEDED'
          : failure.status === 503
            ? 'SERVER_UNAVAILABLE'
            : 'UNKNOWN_EXCEPTION');
      const message =
        errorCode === 'REQUEST_LIMIT_EXCEEDED'
          ? 'TotalRequests Limit exceeded.'
          : errorCode === 'SERVER_UNAVAILABLE'
            ? 'Server unavailable, please try again later.'
            : `An unexpected error occurred. Please include this ErrorId if you contact support: ${randomId(10, '0123456789')}-${randomId(5, '0123456789')} (-${randomId(9, '0123456789')})`;
      return { status: failure.status, body: [{ message, errorCode }], headers: limitHeader() };
    }
    if (req.jsonError)
      return {
        status: 400,
        body: [{ message: 'Unexpected character in request body', errorCode: 'JSON_PARSER_ERROR' }],
        headers: limitHeader(),
      };
    try {
      const res = route(req);
      return { ...res, headers: { ...limitHeader(), ...res.headers } };
    } catch (err) {
      if (err instanceof SalesforceApiError)
        return { status: err.status, body: err.errors, headers: limitHeader() };
      throw err;
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (cometd.handles(req)) {
      cometd.handle(req, res);
      return;
    }
    serveRecorded(req, res, dispatch, requests, now, (message) => ({
      status: 500,
      body: [{ message, errorCode: 'UNKNOWN_EXCEPTION' }],
    }));
  };

  const server = await listen(handler, opts.port);
  const instanceUrl = `http://127.0.0.1:${server.port}`;
  const UI_CHANGE_ORIGIN = `com/salesforce/api/soap/${apiVersion};client=SfdcInternalAPI/`;
  const uiOrigin = (o?: { changeOrigin?: string; commitUser?: string }) => ({
    // Lightning Experience saves through the internal SOAP client (CDC guide: changeOrigin is set for
    // API apps and Lightning Experience, e.g. com/salesforce/api/soap/60.0;client=SfdcInternalAPI/).
    changeOrigin: o?.changeOrigin ?? UI_CHANGE_ORIGIN,
    commitUser: o?.commitUser ?? users[0].Id,
    autoAssign: false,
  });
  const direct = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SalesforceApiError)
        throw new Error(`${err.errors[0].errorCode}: ${err.errors[0].message}`);
      throw err;
    }
  };

  return {
    instanceUrl,
    accessToken,
    apiVersion,
    close: async () => {
      await cometd.close();
      await server.close();
    },
    leads,
    tasks,
    campaignMembers,
    users,
    integrationUserId,
    requests,
    retained,
    createLead: (values, o) => direct(() => createRecord('Lead', values, uiOrigin(o))),
    updateLead: (id, values, o) => direct(() => updateRecord('Lead', id, values, uiOrigin(o))),
    deleteLead: (id, o) =>
      direct(() => {
        const record = findRecord('Lead', id);
        if (!record) throw errorsFor(404, 'NOT_FOUND', `no lead ${id}`);
        leads.delete(String(record.Id));
        const { changeOrigin, commitUser } = uiOrigin(o);
        publishChange(
          'Lead',
          {
            recordIds: [String(record.Id)],
            changeType: 'DELETE',
            changeOrigin,
            commitUser,
            changedFields: [],
          },
          {},
        );
      }),
    logTask: (values, o) =>
      direct(() =>
        createRecord('Task', { TaskSubtype: 'Call', Status: 'Completed', ...values }, uiOrigin(o)),
      ),
    emitGap: (entityName, recordIds, changeType = 'GAP_UPDATE') =>
      publishChange(
        entityName,
        {
          recordIds: recordIds.map(normalizeId),
          changeType,
          changeOrigin: '',
          commitUser: integrationUserId,
          changedFields: [],
        },
        {},
      ),
    failNext: (status, o = {}) => {
      for (let i = 0; i < (o.count ?? 1); i++) failures.push({ status, errorCode: o.errorCode });
    },
    addCustomField,
    apiUsage,
  };
}
