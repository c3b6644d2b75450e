import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NewEvent, TopicName } from '@baton/domain';
import { JsonLogger, counter, histogram } from '@baton/observability';
import { CLOCK, SERVICE_ENV, SERVICE_POLICY, ServiceRuntime, type Clock } from '@baton/platform';
import type { AlertContent, Person } from '../alerts/content.js';
import type { PlanSettings } from '../assignments/assignment-alert.js';
import { emailAlert } from '../alerts/email-alert.js';
import { slackMessage } from '../alerts/slack-blocks.js';
import { teamsMessage } from '../alerts/teams-card.js';
import type { NotificationEnv } from '../config/env.js';
import { DeliveryStore, claimedRow, type NewDelivery, type Outcome } from '../database/delivery.store.js';
import type { DeliveryRow } from '../database/entities.js';
import { LeadStateStore } from '../database/lead-state.store.js';
import { RepActionStore } from '../database/rep-action.store.js';
import { composeIntro, stillWanted } from '../intro/intro-email.js';
import type { LoadedNotificationPolicy } from '../policy/policy.js';
import { EmailGateway } from '../providers/email.gateway.js';
import { SlackGateway } from '../providers/slack.gateway.js';
import { TeamsGateway } from '../providers/teams.gateway.js';
import type { DeliveryContext } from './context.js';
import { deliveryId } from './delivery-key.js';
import { PermanentFailure, RetryLater, TransientFailure, backoffMs } from './failures.js';
import { Pacer } from './pacer.js';
import { receiptOf } from './receipt.js';
import { AlertRenderer, type RenderState } from './renderer.js';

const outcomes = counter(
  'baton_notification_deliveries_total',
  'Delivery attempts by channel, purpose and outcome',
  ['channel', 'purpose', 'outcome'],
);
const providerSeconds = histogram(
  'baton_notification_provider_seconds',
  'Time of one provider call (Slack, Teams, SMTP)',
  ['channel'],
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
);

/** A pacing wait longer than this hands the delivery back to Postgres instead of holding its claim. */
const MAX_INLINE_WAIT_MS = 2_000;

interface PendingRecord {
  row: DeliveryRow;
  outcome: Outcome;
  events: NewEvent<TopicName>[];
  next?: NewDelivery;
  done: { resolve: (mine: boolean) => void; reject: (err: unknown) => void };
}

interface Sent {
  providerMessageId?: string;
  providerChannel?: string;
  context?: DeliveryContext;
  skipped?: string;
}

/**
 * Sends deliveries: claim (a short transaction, or the insert of the event's own transaction),
 * call the provider outside any transaction, record the outcome with its receipt in a short
 * transaction. Due work (scheduled intro e-mails, retries, claims of a crashed replica, Slack
 * messages to update) is polled for every NOTIFICATION_POLL_MS and on a nudge.
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new JsonLogger('notification.dispatcher');
  private readonly slackPace: Pacer;
  private readonly teamsPace: Pacer;
  private readonly tracked = new Set<Promise<unknown>>();
  private readonly waiting: (() => void)[] = [];
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private timerAt = 0;
  private stopping = false;
  private roundRunning = false;
  private again = false;
  private readonly records: PendingRecord[] = [];
  private flushing = false;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly store: DeliveryStore,
    private readonly state: LeadStateStore,
    private readonly actions: RepActionStore,
    private readonly slack: SlackGateway,
    private readonly teams: TeamsGateway,
    private readonly email: EmailGateway,
    private readonly renderer: AlertRenderer,
    @Inject(SERVICE_ENV) private readonly env: NotificationEnv,
    @Inject(SERVICE_POLICY) private readonly policy: LoadedNotificationPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.slackPace = new Pacer(env.NOTIFICATION_SLACK_CHANNEL_INTERVAL_MS);
    this.teamsPace = new Pacer(env.NOTIFICATION_TEAMS_INTERVAL_MS);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    while (this.tracked.size > 0) await Promise.allSettled([...this.tracked]);
  }

  /** Deliveries this process inserted already claimed (the event's transaction): sent now, no poll between. */
  sendClaimed(rows: NewDelivery[]): void {
    if (rows.length === 0) return;
    this.track(this.sendAll(rows.map(claimedRow)));
  }

  /** How new alerts are planned here: the policy's default channels, the configured providers, this claim. */
  planSettings(now: Date): PlanSettings {
    return {
      defaults: this.policy.policy.alerts.defaultChannels,
      configured: { slack: this.slack.enabled, teams: this.teams.enabled, email: this.email.enabled },
      token: this.store.token,
      leaseMs: this.env.NOTIFICATION_LEASE_MS,
      now,
    };
  }

  /** Something became due (a fallback, an action to show): look now rather than at the next poll. */
  nudge(): void {
    this.schedule(0);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) =>
      this.log.error('delivery round failed', { error: err as Error }),
    );
    this.tracked.add(tracked);
    void tracked.finally(() => this.tracked.delete(tracked));
  }

  /** The next round in `ms`, unless one is already due sooner (a nudge never postpones the poll). */
  private schedule(ms: number): void {
    if (this.stopping) return;
    const at = Date.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.track(this.round());
    }, ms);
  }

  private async round(): Promise<void> {
    if (this.roundRunning) {
      this.again = true;
      return;
    }
    this.roundRunning = true;
    try {
      do {
        this.again = false;
        const limit = this.env.NOTIFICATION_CONCURRENCY * 2;
        const now = this.clock.now();
        const due = await this.store.claimDue(now, this.env.NOTIFICATION_LEASE_MS, limit);
        const updates = await this.store.claimUpdates(now, this.env.NOTIFICATION_LEASE_MS, limit);
        await Promise.all([
          this.sendAll(due),
          Promise.all(updates.map((u) => this.limited(() => this.update(u)))),
        ]);
        if (due.length === limit || updates.length === limit) this.again = true;
      } while (this.again && !this.stopping);
    } finally {
      this.roundRunning = false;
      this.schedule(this.env.NOTIFICATION_POLL_MS);
    }
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.inFlight >= this.env.NOTIFICATION_CONCURRENCY)
      await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private async sendAll(rows: DeliveryRow[]): Promise<void> {
    if (rows.length === 0) return;
    const state = await this.renderer.load(
      rows.filter((r) => (r.context as DeliveryContext).kind !== 'intro'),
    );
    await Promise.all(rows.map((row) => this.limited(() => this.deliver(row, state))));
  }

  private async deliver(row: DeliveryRow, state: RenderState): Promise<void> {
    let outcome: Outcome;
    const events: NewEvent<TopicName>[] = [];
    let next: NewDelivery | undefined;
    try {
      const sent = await this.send(row, state);
      if (sent.skipped) {
        outcome = { status: 'skipped', error: sent.skipped, context: sent.context };
      } else {
        const sentAt = this.clock.now();
        outcome = {
          status: 'delivered',
          providerMessageId: sent.providerMessageId,
          providerChannel: sent.providerChannel,
          sentAt,
          context: sent.context,
        };
        events.push(receiptOf(row, 'delivered', sentAt, { providerMessageId: sent.providerMessageId }));
      }
    } catch (err) {
      const now = this.clock.now();
      // A wait longer than the alert can afford goes to the next channel (when there is one).
      const tooLong =
        err instanceof RetryLater &&
        err.afterMs > this.env.NOTIFICATION_MAX_WAIT_MS &&
        row.fallbacks.length > 0;
      if (err instanceof RetryLater && !tooLong) {
        outcome = {
          status: 'pending',
          dueAt: new Date(now.getTime() + err.afterMs),
          error: err.message,
          refundAttempt: true,
        };
      } else if (err instanceof TransientFailure && row.attempts < this.env.NOTIFICATION_DELIVERY_ATTEMPTS) {
        outcome = {
          status: 'pending',
          dueAt: new Date(now.getTime() + backoffMs(row.attempts, this.env.NOTIFICATION_RETRY_BASE_MS)),
          error: err.message,
          uncertain: err.uncertain,
        };
      } else {
        const message = tooLong
          ? `${(err as Error).message}: longer than NOTIFICATION_MAX_WAIT_MS, the next channel instead`
          : err instanceof Error
            ? err.message
            : String(err);
        if (!(err instanceof PermanentFailure) && !(err instanceof TransientFailure) && !tooLong)
          this.log.error('delivery failed unexpectedly', { delivery: row.id, error: err as Error });
        outcome = { status: 'failed', error: message };
        events.push(receiptOf(row, 'failed', now, { error: message }));
        next = this.fallbackOf(row, now);
      }
    }
    outcomes.inc({ channel: row.channel, purpose: row.purpose, outcome: outcome.status });
    const mine = await this.record({ row, outcome, events, next });
    if (!mine) {
      this.log.warn('delivery was taken over by another claim; its outcome is theirs to record', {
        delivery: row.id,
        outcome: outcome.status,
      });
      return;
    }
    if (outcome.status === 'failed')
      this.log.warn('delivery failed', {
        delivery: row.id,
        channel: row.channel,
        purpose: row.purpose,
        error: outcome.error,
        next: next?.channel ?? 'none',
      });
    if (next) this.sendClaimed([next]);
    if (outcome.status === 'pending' && outcome.dueAt)
      this.schedule(Math.max(0, outcome.dueAt.getTime() - Date.now()));
  }

  /**
   * Records outcomes in batches: those that arrive while a batch is being written go in the next
   * one (one transaction, one UPDATE, one outbox insert for many deliveries).
   */
  private record(item: Omit<PendingRecord, 'done'>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.records.push({ ...item, done: { resolve, reject } });
      this.flushRecords();
    });
  }

  private flushRecords(): void {
    if (this.flushing || this.records.length === 0) return;
    const batch = this.records.splice(0, 500);
    this.flushing = true;
    const write = async () => {
      const now = this.clock.now();
      const mine = await this.runtime.transaction(async (manager) => {
        const recorded = await this.store.recordMany(manager, batch, now);
        const next = batch.filter((b) => recorded.has(b.row.id) && b.next).map((b) => b.next!);
        if (next.length > 0) await this.store.insert(manager, next);
        await this.runtime.outbox.enqueue(
          manager,
          batch.filter((b) => recorded.has(b.row.id)).flatMap((b) => b.events),
        );
        return recorded;
      });
      for (const b of batch) b.done.resolve(mine.has(b.row.id));
    };
    void write()
      .catch((err: unknown) => {
        for (const b of batch) b.done.reject(err);
      })
      .finally(() => {
        this.flushing = false;
        this.flushRecords();
      });
  }

  /** The next channel of the recipient's preference, claimed by this process (sent right after the record). */
  private fallbackOf(row: DeliveryRow, now: Date): NewDelivery | undefined {
    const [channel, ...rest] = row.fallbacks;
    if (!channel) return undefined;
    return {
      id: deliveryId(row.causeId, row.recipient, channel, row.purpose),
      causeId: row.causeId,
      purpose: row.purpose,
      channel,
      recipient: row.recipient,
      leadId: row.leadId,
      assignmentId: row.assignmentId,
      status: 'sending',
      dueAt: new Date(now.getTime() + this.env.NOTIFICATION_LEASE_MS),
      claimToken: this.store.token,
      fallbacks: rest,
      context: row.context,
      createdAt: now,
    };
  }

  private async send(row: DeliveryRow, state: RenderState): Promise<Sent> {
    const ctx = row.context as DeliveryContext;
    if (ctx.kind === 'intro') return this.sendIntro(row, ctx);
    const content = await this.renderer.content(row, state);
    switch (row.channel) {
      case 'slack':
        return this.sendSlack(row, ctx.recipient, content);
      case 'teams': {
        await this.pace(this.teamsPace, 'webhook');
        const id = await this.timed('teams', () =>
          this.teams.post(
            teamsMessage(content, ctx.recipient, this.renderer.links(row, content)),
            ctx.recipient,
          ),
        );
        return { providerMessageId: id ?? `teams:${row.id}` };
      }
      case 'email': {
        const mail = emailAlert(content, this.renderer.links(row, content));
        const id = await this.timed('email', () =>
          this.email.send({
            from: this.env.NOTIFICATION_EMAIL_FROM,
            to: ctx.recipient.email,
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
            messageId: `<${row.id}@notification.baton>`,
            headers: { 'X-Baton-Lead': row.leadId },
          }),
        );
        return { providerMessageId: id };
      }
    }
  }

  private async sendSlack(row: DeliveryRow, recipient: Person, content: AlertContent): Promise<Sent> {
    const userId = await this.slack.userIdOf(recipient);
    if (row.uncertain) {
      let earlier: { channel: string; ts: string } | undefined;
      try {
        earlier = await this.slack.findEarlier(userId, row.id, row.createdAt);
      } catch (err) {
        // Without the history (im:history not granted) the alert is posted again rather than lost.
        if (!(err instanceof PermanentFailure)) throw err;
        this.log.warn('cannot look for an earlier post of this alert; posting it (it may show twice)', {
          delivery: row.id,
          error: err.message,
        });
      }
      if (earlier) {
        this.log.info('the alert was posted before the crash; not posting it again', { delivery: row.id });
        return { providerMessageId: earlier.ts, providerChannel: earlier.channel };
      }
    }
    await this.pace(this.slackPace, userId);
    try {
      const posted = await this.timed('slack', () =>
        this.slack.post(userId, row.id, slackMessage(content, row.id)),
      );
      return { providerMessageId: posted.ts, providerChannel: posted.channel };
    } catch (err) {
      // Slack said wait: nothing more to this channel from here until then.
      if (err instanceof RetryLater) this.slackPace.holdUntil(userId, Date.now() + err.afterMs);
      throw err;
    }
  }

  private async sendIntro(row: DeliveryRow, ctx: Extract<DeliveryContext, { kind: 'intro' }>): Promise<Sent> {
    const { assigned } = ctx;
    const [current, touch, done] = await Promise.all([
      this.state.currentAssignment(row.leadId),
      this.state.lastTouch(row.leadId),
      this.actions.byAssignments([assigned.assignmentId]),
    ]);
    const call = done.find((a) => a.action === 'call_logged');
    const verdict = stillWanted({
      touch:
        touch && touch.occurredAt.getTime() >= Date.parse(assigned.assignedAt)
          ? { kind: touch.kind, at: touch.occurredAt.toISOString() }
          : call
            ? { kind: 'call logged from the alert', at: call.actedAt.toISOString() }
            : undefined,
      replacedBy:
        current && current.assignmentId !== assigned.assignmentId ? current.assignmentId : undefined,
    });
    if (!verdict.send) return { skipped: verdict.reason };
    const intro = this.policy.policy.introEmail;
    const mail = composeIntro(assigned, this.policy.templates.policy, ctx.language, intro.defaultLanguage);
    const domain = mail.from.address.slice(mail.from.address.lastIndexOf('@') + 1) || 'notification.baton';
    const messageId = `<${row.id}.intro@${domain}>`;
    const id = await this.timed('email', () =>
      this.email.send({
        from: mail.from,
        replyTo: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId,
        headers: { 'X-Baton-Lead': row.leadId },
      }),
    );
    return { providerMessageId: id, context: { ...ctx, sent: { ...mail, messageId: id } } };
  }

  /** chat.update of a delivered Slack alert (first touch due arrived, someone acted). */
  private async update(row: DeliveryRow): Promise<void> {
    try {
      if (!row.providerChannel || !row.providerMessageId)
        return await this.store.updated(row.id, row.revision);
      const content = await this.renderer.content(row);
      await this.timed('slack', () =>
        this.slack.update(row.providerChannel!, row.providerMessageId!, slackMessage(content, row.id)),
      );
      await this.store.updated(row.id, row.revision);
    } catch (err) {
      const now = Date.now();
      if (err instanceof RetryLater)
        return this.store.updated(row.id, row.revision, new Date(now + err.afterMs));
      if (err instanceof TransientFailure)
        return this.store.updated(
          row.id,
          row.revision,
          new Date(now + backoffMs(2, this.env.NOTIFICATION_RETRY_BASE_MS)),
        );
      this.log.warn('Slack message could not be updated; left as it was', {
        delivery: row.id,
        error: (err as Error).message,
      });
      await this.store.updated(row.id, row.revision);
    }
  }

  private async pace(pacer: Pacer, key: string): Promise<void> {
    const wait = pacer.reserve(key, Date.now());
    if (wait > MAX_INLINE_WAIT_MS)
      throw new RetryLater(wait, `paced: next slot for this channel in ${wait} ms`);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  private async timed<T>(channel: string, call: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      providerSeconds.observe({ channel }, (performance.now() - t0) / 1000);
    }
  }
}
