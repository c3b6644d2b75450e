import { Connection } from 'jsforce';
import type { RetryPolicy } from '@baton/kafka';
import { systemClock, type Clock } from '../api-budget/clock.js';
import { SlidingWindowLimiter } from '../api-budget/rate-limiter.js';
import { CrmCalls, type CallMeter, type FailureKind } from '../api-budget/retry.js';
import type { ProvisionEnv } from '../config/env.js';

export interface SalesforceApiOptions {
  instanceUrl: string;
  accessToken: string;
  version: string;
  /** Sent as Sforce-Call-Options client=…; CDC's changeOrigin carries it back. */
  clientId: string;
  limiter: SlidingWindowLimiter;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
}

type SalesforceSettings = Pick<
  ProvisionEnv,
  | 'SALESFORCE_INSTANCE_URL'
  | 'SALESFORCE_ACCESS_TOKEN'
  | 'SALESFORCE_API_VERSION'
  | 'SALESFORCE_CLIENT_ID'
  | 'SALESFORCE_DAILY_LIMIT'
>;

/** Salesforce has no short-window limit for REST, only the rolling 24 h allocation. */
export function salesforceLimiter(env: SalesforceSettings, clock: Clock = systemClock) {
  return new SlidingWindowLimiter(
    'salesforce',
    { max: 1_000_000, intervalMs: 1_000, dailyMax: env.SALESFORCE_DAILY_LIMIT },
    clock,
  );
}

/** The Salesforce client of the settings, under the process's one limiter. */
export function salesforceApiOf(
  env: SalesforceSettings,
  limiter: SlidingWindowLimiter,
  opts: { retry?: Partial<RetryPolicy>; clock?: Clock } = {},
): SalesforceApi {
  return new SalesforceApi({
    instanceUrl: env.SALESFORCE_INSTANCE_URL!,
    accessToken: env.SALESFORCE_ACCESS_TOKEN!,
    version: env.SALESFORCE_API_VERSION,
    clientId: env.SALESFORCE_CLIENT_ID,
    limiter,
    ...opts,
  });
}

export type SalesforceRecord = Record<string, unknown> & { Id: string };

const RETRYABLE_CODES = new Set([
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
]);

/** Salesforce errors come as [{message, errorCode}]; jsforce keeps the errorCode but not the HTTP status. */
export function classifySalesforceError(err: unknown): FailureKind {
  const e = (err ?? {}) as { errorCode?: unknown; code?: unknown; data?: unknown };
  const code = typeof e.errorCode === 'string' ? e.errorCode : undefined;
  if (!code || code === 'Error') return { kind: 'retryable' }; // no answer: network failure
  if (code === 'REQUEST_LIMIT_EXCEEDED') return { kind: 'budget' };
  const http = /^ERROR_HTTP_(\d{3})$/.exec(code);
  if (http) {
    const status = Number(http[1]);
    return status === 429 || status >= 500 ? { kind: 'retryable', status } : { kind: 'permanent', status };
  }
  if (RETRYABLE_CODES.has(code)) return { kind: 'retryable' };
  return { kind: 'permanent' };
}

/** Every field list Baton reads or writes is checked against this before it reaches SOQL. */
const FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;
const RECORD_ID = /^[A-Za-z0-9]{15,18}$/;

export function soqlFields(fields: string[]): string {
  for (const f of fields) if (!FIELD.test(f)) throw new Error(`not a Salesforce field name: ${f}`);
  return fields.join(', ');
}

export function soqlIds(ids: string[]): string {
  for (const id of ids) if (!RECORD_ID.test(id)) throw new Error(`not a Salesforce record id: ${id}`);
  return ids.map((id) => `'${id}'`).join(', ');
}

/** The Salesforce calls Baton makes, through jsforce, each one rate-limited (daily allocation) and retried. */
export class SalesforceApi {
  readonly conn: Connection;
  private readonly requests: CrmCalls;

  constructor(private readonly opts: SalesforceApiOptions) {
    this.conn = new Connection({
      instanceUrl: opts.instanceUrl,
      accessToken: opts.accessToken,
      version: opts.version,
      callOptions: { client: opts.clientId },
    });
    this.requests = new CrmCalls({
      provider: 'salesforce',
      limiter: opts.limiter,
      classify: classifySalesforceError,
      retry: opts.retry,
      clock: opts.clock,
    });
  }

  /** Every HTTP request actually sent (attempts included), for the write-path figures. */
  get requestsSent(): number {
    return this.requests.requestsSent;
  }

  get clientId(): string {
    return this.opts.clientId;
  }

  /** One SOQL query per 200 ids. */
  async readRecords(
    sobject: 'Lead' | 'Task',
    ids: string[],
    fields: string[],
  ): Promise<Map<string, SalesforceRecord>> {
    const out = new Map<string, SalesforceRecord>();
    const wanted = [...new Set(['Id', ...fields])];
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      const soql = `SELECT ${soqlFields(wanted)} FROM ${sobject} WHERE Id IN (${soqlIds(chunk)})`;
      const res = await this.requests.call(
        `${sobject}.query`,
        async () => (await this.conn.query<SalesforceRecord>(soql)).records,
      );
      for (const r of res) out.set(String(r.Id), r);
    }
    return out;
  }

  /** Records modified after a moment, oldest first (the polling fallback). */
  async modifiedSince(
    sobject: 'Lead' | 'Task',
    since: string,
    fields: string[],
    limit: number,
  ): Promise<SalesforceRecord[]> {
    const wanted = [...new Set(['Id', 'LastModifiedDate', 'CreatedDate', ...fields])];
    if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(since)) throw new Error(`not an ISO UTC timestamp: ${since}`);
    const soql = `SELECT ${soqlFields(wanted)} FROM ${sobject} WHERE LastModifiedDate > ${since} ORDER BY LastModifiedDate LIMIT ${Math.trunc(limit)}`;
    return this.requests.call(
      `${sobject}.poll`,
      async () => (await this.conn.query<SalesforceRecord>(soql)).records,
    );
  }

  /** One PATCH; assignment rules must not overwrite the owner Baton routed to. */
  async updateLead(id: string, fields: Record<string, unknown>, meter?: CallMeter): Promise<void> {
    await this.requests.call(
      'Lead.update',
      async () => {
        const res = await this.conn
          .sobject('Lead')
          .update({ Id: id, ...fields }, { headers: { 'Sforce-Auto-Assign': 'FALSE' } });
        if (!res.success)
          throw Object.assign(new Error(res.errors.map((e) => e.message).join('; ')), {
            errorCode: res.errors[0]?.errorCode,
          });
      },
      meter,
    );
  }

  async create(
    sobject: 'Task' | 'CampaignMember',
    fields: Record<string, unknown>,
    meter?: CallMeter,
  ): Promise<string> {
    return this.requests.call(
      `${sobject}.create`,
      async () => {
        const res = await this.conn.sobject(sobject).create(fields);
        if (!res.success)
          throw Object.assign(new Error(res.errors.map((e) => e.message).join('; ')), {
            errorCode: res.errors[0]?.errorCode,
          });
        return String(res.id);
      },
      meter,
    );
  }

  async describeLeadFields(): Promise<Map<string, { type: string; picklistValues: string[] }>> {
    const res = await this.requests.call('Lead.describe', () => this.conn.sobject('Lead').describe());
    return new Map(
      res.fields.map((f) => [
        f.name,
        { type: f.type, picklistValues: (f.picklistValues ?? []).map((p) => p.value) },
      ]),
    );
  }
}
