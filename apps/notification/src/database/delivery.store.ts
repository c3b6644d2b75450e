import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DeliveryRow, type DeliveryStatus } from './entities.js';

/** The row a `sending` delivery inserted by this process is (what the table holds after the insert). */
export function claimedRow(d: NewDelivery): DeliveryRow {
  return Object.assign(new DeliveryRow(), {
    ...d,
    attempts: 1,
    uncertain: false,
    providerMessageId: null,
    providerChannel: null,
    error: d.error ?? null,
    revision: 0,
    updateDueAt: null,
    sentAt: null,
  });
}

export type NewDelivery = Omit<
  DeliveryRow,
  | 'providerMessageId'
  | 'providerChannel'
  | 'error'
  | 'revision'
  | 'updateDueAt'
  | 'sentAt'
  | 'uncertain'
  | 'attempts'
> & { error?: string | null };

export interface Outcome {
  status: DeliveryStatus;
  /** For `pending`: when to try again. */
  dueAt?: Date;
  providerMessageId?: string;
  providerChannel?: string;
  error?: string;
  sentAt?: Date;
  context?: unknown;
  /** Give back the attempt the claim counted (a 429 is not a failed attempt). */
  refundAttempt?: boolean;
  /** The provider may have it (a timeout, a 5xx after sending): check before sending again. */
  uncertain?: boolean;
}

const COLUMNS = `id, cause_id, purpose, channel, recipient, lead_id, assignment_id, status, attempts, due_at,
  claim_token, uncertain, fallbacks, context, provider_message_id, provider_channel, error, revision,
  update_due_at, created_at, sent_at`;

/** TypeORM answers an UPDATE … RETURNING with [rows, count] and an INSERT with the rows. */
function rowsOf<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as T[];
  return result as T[];
}

function toRow(r: Record<string, unknown>): DeliveryRow {
  return Object.assign(new DeliveryRow(), {
    id: r.id,
    causeId: r.cause_id,
    purpose: r.purpose,
    channel: r.channel,
    recipient: r.recipient,
    leadId: r.lead_id,
    assignmentId: r.assignment_id,
    status: r.status,
    attempts: r.attempts,
    dueAt: r.due_at,
    claimToken: r.claim_token,
    uncertain: r.uncertain,
    fallbacks: r.fallbacks,
    context: r.context,
    providerMessageId: r.provider_message_id,
    providerChannel: r.provider_channel,
    error: r.error,
    revision: r.revision,
    updateDueAt: r.update_due_at,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  } as DeliveryRow);
}

/**
 * Deliveries: the one place that reads and writes them. Claims are short transactions with
 * SKIP LOCKED, so replicas never take the same row; the provider is called between the claim and
 * the record, outside any transaction; a record only lands for the claim it belongs to.
 */
@Injectable()
export class DeliveryStore {
  /** This process's claims carry it; a record for another claim (taken over after a lease ran out) is refused. */
  readonly token = randomUUID();

  constructor(private readonly db: DataSource) {}

  /**
   * Inserts deliveries in the caller's transaction; one that exists already (a redelivered event,
   * another replica) is left alone. Returns the ids inserted: a `sending` row inserted here is
   * claimed by this process (its first attempt counted) and may be sent at once after the commit.
   */
  async insert(manager: EntityManager, rows: NewDelivery[]): Promise<Set<string>> {
    return this.insertRows(manager, rows, 'ON CONFLICT DO NOTHING');
  }

  private async insertRows(
    manager: EntityManager,
    rows: NewDelivery[],
    onConflict: string,
  ): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO delivery (${COLUMNS})
       SELECT id, cause_id, purpose, channel, recipient, lead_id, assignment_id, status,
              CASE WHEN status = 'sending' THEN 1 ELSE 0 END, due_at,
              claim_token, false, fallbacks, context, NULL, NULL, error, 0, NULL, created_at, NULL
         FROM json_to_recordset($1::json) AS t(id text, cause_id text, purpose text, channel text,
              recipient text, lead_id text, assignment_id text, status text, due_at timestamptz,
              claim_token text, fallbacks jsonb, context jsonb, error text, created_at timestamptz)
       ${onConflict}
       RETURNING id`,
      [
        JSON.stringify(
          rows.map((r) => ({
            id: r.id,
            cause_id: r.causeId,
            purpose: r.purpose,
            channel: r.channel,
            recipient: r.recipient,
            lead_id: r.leadId,
            assignment_id: r.assignmentId,
            status: r.status,
            due_at: r.dueAt,
            claim_token: r.claimToken,
            fallbacks: r.fallbacks,
            context: r.context,
            error: r.error ?? null,
            created_at: r.createdAt,
          })),
        ),
      ],
    );
    return new Set(inserted.map((r) => r.id));
  }

  /** Claims up to `limit` due deliveries (pending whose time came, sending whose claim ran out). */
  async claimDue(now: Date, leaseMs: number, limit: number): Promise<DeliveryRow[]> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.db.query(
        `UPDATE delivery d
          SET status = 'sending', claim_token = $3, attempts = d.attempts + 1,
              uncertain = d.uncertain OR d.status = 'sending', due_at = $1::timestamptz + ($2 || ' milliseconds')::interval
         FROM (SELECT id FROM delivery
                WHERE status IN ('pending', 'sending') AND due_at <= $1
                ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED) due
        WHERE d.id = due.id
        RETURNING d.*`,
        [now, String(leaseMs), this.token, limit],
      ),
    );
    return rows.map(toRow);
  }

  /**
   * Records what the provider answered, in the caller's transaction, for this process's claim
   * only. False when the claim was taken over meanwhile (nothing is written then).
   */
  async record(manager: EntityManager, row: DeliveryRow, outcome: Outcome, now: Date): Promise<boolean> {
    const done = rowsOf<unknown>(
      await manager.query(
        `UPDATE delivery
          SET status = $3, due_at = COALESCE($4, due_at), provider_message_id = COALESCE($5, provider_message_id),
              provider_channel = COALESCE($6, provider_channel), error = $7, sent_at = COALESCE($8, sent_at),
              context = COALESCE($9::jsonb, context), attempts = attempts - $10::int,
              claim_token = NULL, uncertain = CASE WHEN $3 = 'pending' THEN uncertain OR $13 ELSE false END,
              update_due_at = CASE WHEN $3 = 'delivered' AND revision <> $11 THEN $12::timestamptz ELSE update_due_at END
        WHERE id = $1 AND claim_token = $2 AND status = 'sending'
        RETURNING id`,
        [
          row.id,
          this.token,
          outcome.status,
          outcome.dueAt ?? null,
          outcome.providerMessageId ?? null,
          outcome.providerChannel ?? null,
          outcome.error ?? null,
          outcome.sentAt ?? null,
          outcome.context === undefined ? null : JSON.stringify(outcome.context),
          outcome.refundAttempt ? 1 : 0,
          row.revision,
          now,
          outcome.uncertain ?? false,
        ],
      ),
    );
    return done.length === 1;
  }

  /**
   * Records many outcomes in one statement, in the caller's transaction, each for this process's
   * claim only. Returns the ids recorded (a claim taken over meanwhile is left to its new owner).
   */
  async recordMany(
    manager: EntityManager,
    items: { row: DeliveryRow; outcome: Outcome }[],
    now: Date,
  ): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const done = rowsOf<{ id: string }>(
      await manager.query(
        `UPDATE delivery d
            SET status = t.status, due_at = COALESCE(t.due_at, d.due_at),
                provider_message_id = COALESCE(t.provider_message_id, d.provider_message_id),
                provider_channel = COALESCE(t.provider_channel, d.provider_channel), error = t.error,
                sent_at = COALESCE(t.sent_at, d.sent_at), context = COALESCE(t.context, d.context),
                attempts = d.attempts - t.refund, claim_token = NULL,
                uncertain = CASE WHEN t.status = 'pending' THEN d.uncertain OR t.uncertain ELSE false END,
                update_due_at = CASE WHEN t.status = 'delivered' AND d.revision <> t.revision THEN $3::timestamptz
                                     ELSE d.update_due_at END
           FROM json_to_recordset($1::json) AS t(id text, status text, due_at timestamptz, provider_message_id text,
                provider_channel text, error text, sent_at timestamptz, context jsonb, refund int, revision int,
                uncertain boolean)
          WHERE d.id = t.id AND d.claim_token = $2 AND d.status = 'sending'
          RETURNING d.id`,
        [
          JSON.stringify(
            items.map(({ row, outcome }) => ({
              id: row.id,
              status: outcome.status,
              due_at: outcome.dueAt ?? null,
              provider_message_id: outcome.providerMessageId ?? null,
              provider_channel: outcome.providerChannel ?? null,
              error: outcome.error ?? null,
              sent_at: outcome.sentAt ?? null,
              context: outcome.context ?? null,
              refund: outcome.refundAttempt ? 1 : 0,
              revision: row.revision,
              uncertain: outcome.uncertain ?? false,
            })),
          ),
          this.token,
          now,
        ],
      ),
    );
    return new Set(done.map((r) => r.id));
  }

  /**
   * Scheduled intro e-mails, one statement for a batch: inserted, or — when the lead was reassigned
   * before one went out — handed to the new assignment (new rep, new due time, or skipped by the new
   * decision). One that was sent or skipped already stays as it is.
   */
  async scheduleIntros(manager: EntityManager, rows: NewDelivery[]): Promise<void> {
    // One row per key in a statement: the latest assignment of the batch wins.
    const latest = [...new Map(rows.map((r) => [r.id, r])).values()];
    await this.insertRows(
      manager,
      latest,
      `ON CONFLICT (cause_id, recipient, channel, purpose) DO UPDATE
         SET context = EXCLUDED.context, assignment_id = EXCLUDED.assignment_id, due_at = EXCLUDED.due_at,
             status = EXCLUDED.status, error = EXCLUDED.error
         WHERE delivery.status = 'pending'`,
    );
  }

  /** Whatever the message shows changed (deadline armed, someone acted): delivered Slack messages get updated. */
  async changed(manager: EntityManager, assignmentId: string, now: Date): Promise<void> {
    await manager.query(
      `UPDATE delivery
          SET revision = revision + 1, update_due_at = CASE WHEN status = 'delivered' THEN $2::timestamptz ELSE update_due_at END
        WHERE assignment_id = $1 AND channel = 'slack' AND purpose IN ('assignment_alert', 'sla_reminder', 'sla_escalation')`,
      [assignmentId, now],
    );
  }

  /** Claims delivered Slack messages whose content changed, for chat.update. */
  async claimUpdates(now: Date, leaseMs: number, limit: number): Promise<DeliveryRow[]> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.db.query(
        `UPDATE delivery d
          SET update_due_at = $1::timestamptz + ($2 || ' milliseconds')::interval
         FROM (SELECT id FROM delivery
                WHERE update_due_at <= $1 AND status = 'delivered' AND channel = 'slack'
                ORDER BY update_due_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
        WHERE d.id = due.id
        RETURNING d.*`,
        [now, String(leaseMs), limit],
      ),
    );
    return rows.map(toRow);
  }

  /** The update showed `revision`; a change after it is shown by the next round. */
  async updated(id: string, revision: number, retryAt?: Date): Promise<void> {
    await this.db.query(
      `UPDATE delivery
          SET update_due_at = CASE WHEN $3::timestamptz IS NOT NULL THEN $3::timestamptz
                                   WHEN revision = $2 THEN NULL ELSE now() END
        WHERE id = $1`,
      [id, revision, retryAt ?? null],
    );
  }

  async get(id: string, manager: EntityManager = this.db.manager): Promise<DeliveryRow | undefined> {
    const rows: Record<string, unknown>[] = await manager.query(`SELECT * FROM delivery WHERE id = $1`, [id]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** A person's name as an earlier alert of the lead addressed them (a reassignment names the previous rep). */
  async nameOf(leadId: string, recipient: string): Promise<string | undefined> {
    const rows: { name: string | null }[] = await this.db.query(
      `SELECT context->'recipient'->>'name' AS name FROM delivery
        WHERE lead_id = $1 AND recipient = $2 AND purpose = 'assignment_alert' LIMIT 1`,
      [leadId, recipient],
    );
    return rows[0]?.name ?? undefined;
  }

  byLead(leadId: string, limit: number): Promise<DeliveryRow[]> {
    return this.db
      .getRepository(DeliveryRow)
      .find({ where: { leadId }, order: { createdAt: 'DESC' }, take: limit });
  }
}
