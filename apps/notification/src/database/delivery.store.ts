import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Channel } from '../delivery/delivery-key.js';
import { DeliveryRow, type DeliveryStatus } from './entities.js';

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
   * claimed by this process and may be sent at once after the commit.
   */
  async insert(manager: EntityManager, rows: NewDelivery[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO delivery (${COLUMNS})
       SELECT id, cause_id, purpose, channel, recipient, lead_id, assignment_id, status, 0, due_at,
              claim_token, false, fallbacks, context, NULL, NULL, error, 0, NULL, created_at, NULL
         FROM json_to_recordset($1::json) AS t(id text, cause_id text, purpose text, channel text,
              recipient text, lead_id text, assignment_id text, status text, due_at timestamptz,
              claim_token text, fallbacks jsonb, context jsonb, error text, created_at timestamptz)
       ON CONFLICT DO NOTHING
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

  /**
   * A scheduled intro e-mail: inserted, or — when the lead was reassigned before it went out —
   * handed to the new assignment (new rep, new due time). One that was sent or skipped stays.
   */
  async scheduleIntro(manager: EntityManager, row: NewDelivery): Promise<void> {
    await manager.query(
      `INSERT INTO delivery (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, NULL, false, '[]'::jsonb, $10::jsonb, NULL, NULL, $11, 0, NULL, $12, NULL)
       ON CONFLICT (cause_id, recipient, channel, purpose) DO UPDATE
         SET context = EXCLUDED.context, assignment_id = EXCLUDED.assignment_id, due_at = EXCLUDED.due_at,
             status = EXCLUDED.status, error = EXCLUDED.error
         WHERE delivery.status = 'pending'`,
      [
        row.id,
        row.causeId,
        row.purpose,
        row.channel,
        row.recipient,
        row.leadId,
        row.assignmentId,
        row.status,
        row.dueAt,
        JSON.stringify(row.context),
        row.error ?? null,
        row.createdAt,
      ],
    );
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

  /** Marks rows inserted `sending` by this process as counted attempts (they were claimed at insert). */
  async firstAttempt(ids: string[]): Promise<DeliveryRow[]> {
    if (ids.length === 0) return [];
    const rows = rowsOf<Record<string, unknown>>(
      await this.db.query(
        `UPDATE delivery SET attempts = attempts + 1
        WHERE id = ANY($1::text[]) AND claim_token = $2 AND status = 'sending' RETURNING *`,
        [ids, this.token],
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

  byLead(leadId: string, limit: number): Promise<DeliveryRow[]> {
    return this.db
      .getRepository(DeliveryRow)
      .find({ where: { leadId }, order: { createdAt: 'DESC' }, take: limit });
  }

  /** The next channel of a failed delivery, in the caller's transaction (once: the key is unique). */
  async fallBack(manager: EntityManager, failed: DeliveryRow, next: NewDelivery): Promise<boolean> {
    return (await this.insert(manager, [next])).size === 1 && failed.fallbacks.length > 0;
  }

  static nextChannels(row: DeliveryRow): { channel: Channel; rest: Channel[] } | undefined {
    const [channel, ...rest] = row.fallbacks;
    return channel ? { channel, rest } : undefined;
  }
}
