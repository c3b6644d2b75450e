import type { Batch, Consumer, EachBatchPayload, KafkaMessage, Message } from 'kafkajs';
import type { KafkaConnection } from './client.js';
import {
  EventValidationError,
  deadLetterTopic,
  parseEvent,
  type CloudEvent,
  type EventOf,
  type TopicName,
} from '@baton/domain';
import { JsonLogger, counter, gauge, histogram, parseTraceparent, runInContext } from '@baton/observability';
import { BatchCoalescer } from './coalescer.js';
import {
  ConsumerHealthTracker,
  DEFAULT_CRASH_LOOP,
  type ConsumerHealth,
  type CrashLoopPolicy,
} from './consumer-health.js';
import {
  DEFAULT_DEAD_LETTER_MAX_BYTES,
  RECORD_FRAMING_BYTES,
  fitDeadLetter,
  pointerOnly,
  type DeadLetterParts,
} from './dead-letter.js';
import { PermanentError, isNonRetriable, isTopicMissing } from './errors.js';
import { Headers, headerString } from './headers.js';
import { topicMaxMessageBytes } from './provisioning.js';
import { DEFAULT_RETRY, backoffDelay, sleep, type RetryPolicy } from './retry.js';
import { EventPublisher } from './publisher.js';

export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  traceparent?: string;
}

export type EventHandler<T extends TopicName> = (
  event: CloudEvent<EventOf<T>>,
  ctx: MessageContext,
) => Promise<void>;
export type BatchHandler<T extends TopicName> = (
  events: { event: CloudEvent<EventOf<T>>; ctx: MessageContext }[],
) => Promise<void>;

export interface ConsumerOptions {
  groupId: string;
  /** baton/<service>, written on dead letters. */
  source: string;
  retry?: Partial<RetryPolicy>;
  fromBeginning?: boolean;
  /** Passed to kafkajs; lower it in tests to rebalance faster. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** How many messages of one partition a batch handler gets at once. */
  maxBatchSize?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * Merge the batches one fetch brings for a batch handler (all partitions, and every topic the
   * handler was registered for) into one handler call of at most `maxBatchSize` messages, with at
   * most `maxConcurrent` calls at a time: one transaction per fetch instead of one per partition.
   * Set `partitionsConsumedConcurrently` to at least the partitions a replica may be assigned, so
   * a fetch's batches are handed over together. When a merged call fails, each partition's
   * messages go through the usual path again (retries, split, dead letters).
   */
  coalesce?: { maxConcurrent: number };
  /** Long-poll bound of an empty fetch; also bounds how long a graceful stop waits. */
  maxWaitTimeMs?: number;
  /**
   * A connected publisher to write dead letters with (a service's own, so its consumers share
   * one producer). Without it the consumer opens and closes a producer of its own.
   */
  deadLetters?: EventPublisher;
  /**
   * Most bytes (key, value and headers) of a dead letter, 900 KiB by default, and never more than
   * the DLQ topic's `max.message.bytes` allows. A larger one is sent cut to fit, with
   * `x-baton-dlq-truncated: <original value bytes>`; the pointer headers name where the full
   * message stays (its topic, partition and offset, until retention).
   */
  deadLetterMaxBytes?: number;
  /**
   * Creates the topics again when they are missing (the broker was wiped under the service): called
   * when subscribing finds them missing, when a dead-letter topic is missing, and when the consumer
   * crashes on a missing topic (kafkajs then restarts it by itself). Re-created topics are read
   * from their beginning (with `fromBeginning`, the default), so nothing produced to them is
   * skipped. See `topicReprovisioner`.
   */
  reprovision?: () => Promise<void>;
  /**
   * Longest stop() takes (5 s by default): what cannot be finished by then (a batch whose handler
   * hangs, a commit or a group leave to an unreachable broker) is abandoned, and what was not
   * committed is delivered again later (at least once).
   */
  stopTimeoutMs?: number;
  /** How many crashes in what window health() calls a crash loop; 3 in a minute by default. */
  crashLoop?: Partial<CrashLoopPolicy>;
  /** Clock for health() (tests). */
  now?: () => number;
}

const handled = counter('baton_consumer_messages_total', 'Messages handled successfully', ['topic', 'group']);
const failures = counter('baton_consumer_failures_total', 'Handler attempts that failed', ['topic', 'group']);
const deadLetters = counter('baton_consumer_dead_letters_total', 'Messages sent to a dead-letter topic', [
  'topic',
  'group',
  'kind',
]);
const lag = gauge('baton_consumer_lag', 'Messages behind the partition high watermark', [
  'topic',
  'partition',
  'group',
]);
const deadLettersTruncated = counter(
  'baton_consumer_dead_letters_truncated_total',
  'Dead letters cut to fit the broker size limit (the full message stays on the original topic)',
  ['topic', 'group'],
);
const deadLettersLost = counter(
  'baton_consumer_dead_letters_lost_total',
  'Messages the DLQ refused for good (non-retriable error); the consumer moved past them, they stay on the original topic',
  ['topic', 'group'],
);
const crashes = counter('baton_consumer_crashes_total', 'Consumer crashes (kafkajs CRASH events)', [
  'group',
  'restart',
]);
const up = gauge('baton_consumer_up', 'Whether the consumer is in its group and fetching (1) or not (0)', [
  'group',
]);
const handleSeconds = histogram(
  'baton_consumer_handle_seconds',
  'Time to handle a message or batch',
  ['topic', 'group'],
  [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
);

type AnyHandler = (event: CloudEvent<unknown>, ctx: MessageContext) => Promise<void>;
type AnyBatchHandler = (events: { event: CloudEvent<unknown>; ctx: MessageContext }[]) => Promise<void>;
type Registration =
  | { mode: 'single'; handler: AnyHandler }
  | { mode: 'batch'; handler: AnyBatchHandler; coalescer?: BatchCoalescer<Parsed> };

/** Dead letters up to this size skip the lookup of the DLQ topic's own limit (none is that low). */
const LIMIT_LOOKUP_ABOVE_BYTES = 64 * 1024;

/** Thrown inside a batch when stop() interrupts a retry: the message is left uncommitted, for redelivery. */
class StopRequested extends Error {
  constructor() {
    super('consumer stopping');
  }
}

interface Parsed {
  message: KafkaMessage;
  ctx: MessageContext;
  event?: CloudEvent<unknown>;
  invalid?: EventValidationError;
}

/**
 * Consumes Baton topics with one consumer group per service:
 * - every value is validated against the topic's schema in libs/domain; an invalid one goes
 *   to `<topic>.dlq` at once with the reason in headers, and the partition moves on;
 * - a handler that throws is retried with backoff and jitter; after the last attempt (or at
 *   once for PermanentError) the message is dead-lettered;
 * - an offset is marked for commit only after its handler resolved (the effect is durable) or
 *   the message is safely in the DLQ; if dead-lettering itself fails on something that may pass
 *   (the broker unreachable), nothing is committed and the message is delivered again;
 * - a dead letter never fails on size: one over the broker's limit is cut to fit, with a pointer
 *   to the original; if the DLQ still refuses it for good, that is logged and counted and the
 *   partition moves on (the original stays on its topic) instead of crash-looping;
 * - health() tells whether it is in its group, crashed or crash-looping (readiness);
 * - topics found missing are provisioned again (`reprovision`); stop() is bounded.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly deadLetterPublisher: EventPublisher;
  /** Whether this consumer opened the dead-letter producer (and so closes it). */
  private readonly ownsDeadLetterPublisher: boolean;
  private readonly registrations = new Map<string, Registration>();
  private readonly retry: RetryPolicy;
  private readonly heartbeatIntervalMs: number;
  private readonly log: JsonLogger;
  private running = false;
  private stopping = false;
  private readonly stopSignal = { aborted: false, wake: new Set<() => void>() };
  private stopOnce?: Promise<void>;
  /** stop() ran out of time: the member left behind must not keep its partitions by heartbeating. */
  private abandoned = false;
  private readonly stopTimeoutMs: number;
  private readonly deadLetterMaxBytes: number;
  /** Per DLQ topic: the bound its `max.message.bytes` allows, once known. */
  private readonly deadLetterLimits = new Map<string, number>();
  private readonly tracker: ConsumerHealthTracker;
  private reprovisioning?: Promise<void>;
  /** The offset commit under way, if any (at most one at a time). */
  private committing?: Promise<void>;
  private commitAgain = false;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly options: ConsumerOptions,
  ) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.log = new JsonLogger(`consumer.${options.groupId}`);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.deadLetterMaxBytes = options.deadLetterMaxBytes ?? DEFAULT_DEAD_LETTER_MAX_BYTES;
    this.tracker = new ConsumerHealthTracker({ ...DEFAULT_CRASH_LOOP, ...options.crashLoop }, options.now);
    this.consumer = kafka.client.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 1_048_576,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
      // kafkajs restarts a consumer after a retriable crash; never one that is being stopped (a
      // stop that ran out of time leaves kafkajs finishing in the background).
      retry: { retries: 5, restartOnFailure: () => Promise.resolve(!this.stopping) },
    });
    this.ownsDeadLetterPublisher = !options.deadLetters;
    this.deadLetterPublisher = options.deadLetters ?? new EventPublisher(kafka, options.source);
    this.watch();
  }

  /** Feeds health() and the metrics from kafkajs's instrumentation events. */
  private watch(): void {
    const { events } = this.consumer;
    const group = this.options.groupId;
    this.consumer.on(events.GROUP_JOIN, () => {
      this.tracker.joined();
      up.set({ group }, 1);
    });
    // Also emitted on the way to a crash (kafkajs stops the consumer, then reports the CRASH).
    this.consumer.on(events.STOP, () => {
      this.tracker.stopped();
      up.set({ group }, 0);
    });
    this.consumer.on(events.CRASH, (e) => {
      const { error, restart } = e.payload;
      this.tracker.crashed(error, restart);
      crashes.inc({ group, restart: String(restart) });
      up.set({ group }, 0);
      const h = this.tracker.health();
      this.log.error(restart ? 'consumer crashed; kafkajs restarts it' : 'consumer crashed and stays down', {
        error: h.lastError,
        crashes: h.crashes,
        recentCrashes: h.recentCrashes,
      });
      // The broker no longer has the topics (wiped and re-created under the service): create them
      // again, and the restart kafkajs schedules (the error is retriable) finds them.
      if (isTopicMissing(error) && !this.stopping)
        void this.reprovisionTopics('consumer crashed on a missing topic');
    });
  }

  /**
   * What the consumer is doing, for readiness: `state` (starting, running, crashed, stopped),
   * crashes in total and within the crash-loop window, whether kafkajs is restarting it, the
   * last error. See also problem().
   */
  health(): ConsumerHealth {
    return this.tracker.health();
  }

  /** Why readiness should fail (not in its group, crashed, crash-looping), or undefined when all is well. */
  problem(): string | undefined {
    return this.tracker.problem();
  }

  /** One re-provisioning at a time; its failure is logged (the next crash or round tries again). */
  private reprovisionTopics(reason: string): Promise<void> {
    const reprovision = this.options.reprovision;
    if (!reprovision) return Promise.resolve();
    this.reprovisioning ??= (async () => {
      this.log.warn('topics missing; provisioning them again', { reason });
      try {
        await reprovision();
      } catch (err) {
        this.log.error('could not provision the topics again', {
          reason,
          error: err instanceof Error ? err.message : String(err),
        });
      } finally {
        this.reprovisioning = undefined;
      }
    })();
    return this.reprovisioning;
  }

  on<T extends TopicName>(topic: T, handler: EventHandler<T>): this {
    this.registrations.set(topic, { mode: 'single', handler: handler as unknown as AnyHandler });
    return this;
  }

  /**
   * For throughput: the handler gets every valid message of a fetched batch at once (with
   * `coalesce`, of every partition and topic it was registered for; `ctx.topic` tells them
   * apart). It must be idempotent.
   */
  onBatch<T extends TopicName>(
    topics: T | readonly T[],
    handler: BatchHandler<T>,
    /** `coalesce: false` keeps this handler's batches apart when the consumer coalesces others. */
    opts: { coalesce?: boolean } = {},
  ): this {
    const run = handler as unknown as AnyBatchHandler;
    const registration: Registration = { mode: 'batch', handler: run };
    if (this.options.coalesce && opts.coalesce !== false) {
      registration.coalescer = new BatchCoalescer<Parsed>((items) => this.runCoalesced(run, items), {
        maxItems: this.batchSize,
        maxConcurrent: this.options.coalesce.maxConcurrent,
      });
    }
    for (const topic of typeof topics === 'string' ? [topics] : topics)
      this.registrations.set(topic, registration);
    return this;
  }

  /** Most messages in one batch handler call. */
  private get batchSize(): number {
    return this.options.maxBatchSize ?? 500;
  }

  /** Started and not stopped (whether it consumes right now: health()). */
  /** The consumer group on the wire (topic prefix included). */
  get groupId(): string {
    return this.options.groupId;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The kafkajs consumer, for instrumentation events (e.g. GROUP_JOIN in tests). */
  get raw(): Consumer {
    return this.consumer;
  }

  /**
   * Connects, subscribes and starts consuming. By default it resolves once the consumer is in its
   * group; with `waitForGroup: false` as soon as it is subscribed (a restarted replica may wait a
   * session timeout for its group to let it in: health() says `starting` until then).
   */
  async start(opts: { waitForGroup?: boolean } = {}): Promise<void> {
    if (this.registrations.size === 0) throw new Error(`consumer ${this.options.groupId} has no handlers`);
    this.stopping = false;
    this.stopSignal.aborted = false;
    this.stopOnce = undefined;
    this.abandoned = false;
    this.tracker.starting();
    up.set({ group: this.options.groupId }, 0);
    try {
      await this.subscribeAndRun(opts.waitForGroup ?? true);
    } catch (err) {
      this.tracker.stopped();
      throw err;
    }
    this.running = true;
  }

  private async subscribeAndRun(waitForGroup: boolean): Promise<void> {
    if (this.ownsDeadLetterPublisher) await this.deadLetterPublisher.connect();
    await this.consumer.connect();
    const topics = [...this.registrations.keys()].map((t) => this.kafka.physical(t));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? true });
        break;
      } catch (err) {
        // Right after topics are created a busy broker may not serve their metadata yet
        // ("does not host this topic-partition"); kafkajs does not retry subscribe itself. Or they
        // are really gone (a wiped broker): provisioned again when the consumer may.
        if (!isTopicMissing(err) || attempt >= 10) throw err;
        await this.reprovisionTopics('topics missing on subscribe');
        await sleep(200 * attempt);
      }
    }
    const running = this.consumer.run({
      // kafkajs's auto-commit sends an OffsetCommit after every batch and waits for it before
      // the next fetch; the broker's group coordinator holds each commit for
      // group.coordinator.append.linger.ms (5 ms by default in Kafka 4.x). Offsets are committed
      // here instead, off the fetch loop (see commitSoon).
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions are independent (a lead's events share one), so they are handled side by side.
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    if (waitForGroup) {
      await running;
      return;
    }
    // kafkajs reports a failed join as a CRASH (and restarts); anything else would be lost here.
    running.catch((err: unknown) => {
      this.tracker.crashed(err, false);
      this.log.error('consumer could not start', { error: err instanceof Error ? err.message : String(err) });
    });
  }

  /**
   * Graceful, within `stopTimeoutMs`: ends the batch in flight (a retry waiting out its backoff is
   * cut short, its message left for redelivery), commits what is resolved, leaves the group. What
   * cannot be done in time (the broker unreachable, a handler that hangs) is abandoned: the
   * uncommitted messages are delivered again later, to this group's next member.
   */
  stop(): Promise<void> {
    this.stopOnce ??= this.stopWithin();
    return this.stopOnce;
  }

  private async stopWithin(): Promise<void> {
    this.stopping = true;
    this.stopSignal.aborted = true;
    for (const wake of this.stopSignal.wake) wake();
    const graceful = this.stopGracefully();
    const finished = await settlesWithin(graceful, this.stopTimeoutMs);
    if (finished) return;
    this.abandoned = true;
    this.running = false;
    this.tracker.stopped();
    up.set({ group: this.options.groupId }, 0);
    this.log.warn('stop did not finish in time; leaving (what was not committed is delivered again)', {
      stopTimeoutMs: this.stopTimeoutMs,
    });
    if (this.ownsDeadLetterPublisher) void this.deadLetterPublisher.disconnect().catch(() => undefined);
  }

  private async stopGracefully(): Promise<void> {
    if (!this.running) {
      this.tracker.stopped();
      if (this.ownsDeadLetterPublisher) await this.deadLetterPublisher.disconnect();
      return;
    }
    await this.committing;
    this.running = false;
    await this.consumer.stop();
    await this.consumer.disconnect();
    this.tracker.stopped();
    if (this.ownsDeadLetterPublisher) await this.deadLetterPublisher.disconnect();
  }

  /** Waits `ms`, or less when the consumer stops. */
  private pause(ms: number): Promise<void> {
    if (this.stopSignal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopSignal.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopSignal.wake.add(done);
    });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const topic = this.kafka.logical(batch.topic);
    const registration = this.registrations.get(topic);
    if (!registration) return;
    const parsed = batch.messages.map((m) => this.parse(topic, batch, m));
    const timer = handleSeconds.startTimer({ topic, group: this.options.groupId });
    // Heartbeats go on while the batch is handled (a slow CRM call, retries waiting out their
    // backoff), so the session timeout only has to cover a process that died: it can be short,
    // and a restarted replica rejoins quickly.
    // Not after a stop that ran out of time: the batch left behind must not keep the partitions
    // from the group's other members.
    const beat = setInterval(() => {
      if (!this.abandoned) void payload.heartbeat().catch(() => undefined);
    }, this.heartbeatIntervalMs);
    try {
      if (registration.mode === 'single') {
        for (const p of parsed) {
          if (this.stopping || !payload.isRunning() || payload.isStale()) break;
          await this.process(topic, [p], (items) => registration.handler(items[0].event!, items[0].ctx));
          payload.resolveOffset(p.message.offset);
          await payload.heartbeat();
        }
      } else {
        const size = this.batchSize;
        for (let i = 0; i < parsed.length; i += size) {
          if (this.stopping || !payload.isRunning() || payload.isStale()) break;
          const chunk = parsed.slice(i, i + size);
          const run = (items: Parsed[]) =>
            registration.handler(items.map((p) => ({ event: p.event!, ctx: p.ctx })));
          if (registration.coalescer) await this.processCoalesced(topic, chunk, registration.coalescer, run);
          else await this.process(topic, chunk, run);
          payload.resolveOffset(chunk[chunk.length - 1].message.offset);
          await payload.heartbeat();
        }
      }
    } catch (err) {
      // Interrupted by stop(): what was resolved is committed below, the rest comes again.
      if (!(err instanceof StopRequested)) throw err;
    } finally {
      clearInterval(beat);
    }
    timer();
    const commit = this.commitSoon(payload);
    // A stopping consumer leaves the group once the batches in flight return: commit first.
    if (this.stopping || !payload.isRunning()) await commit;
    const offsetLag = Number(batch.offsetLag());
    lag.set(
      { topic, partition: String(batch.partition), group: this.options.groupId },
      Number.isFinite(offsetLag) ? offsetLag : 0,
    );
  }

  /**
   * Commits the resolved offsets without holding up the fetch loop: one OffsetCommit at a time,
   * and whatever was resolved meanwhile goes in the next one. Between a handled batch and its
   * commit (a few ms) a crash or rebalance means redelivery, which handlers absorb (they are
   * idempotent). A failed commit is logged; the next batch commits again.
   */
  private commitSoon(payload: EachBatchPayload): Promise<void> {
    if (this.committing) {
      this.commitAgain = true;
      return this.committing;
    }
    this.committing = (async () => {
      try {
        do {
          this.commitAgain = false;
          const offsets = payload.uncommittedOffsets();
          if (offsets.topics.length > 0) await payload.commitOffsetsIfNecessary(offsets);
        } while (this.commitAgain);
      } catch (err) {
        this.log.warn('offset commit failed; the next batch commits again', {
          error: err instanceof Error ? err.message : String(err),
        });
      } finally {
        this.committing = undefined;
      }
    })();
    return this.committing;
  }

  private parse(topic: string, batch: Batch, message: KafkaMessage): Parsed {
    const ctx: MessageContext = {
      topic,
      partition: batch.partition,
      offset: message.offset,
      traceparent: headerString(message.headers, Headers.traceparent),
    };
    try {
      return { message, ctx, event: parseEvent(topic as TopicName, message.value) as CloudEvent<unknown> };
    } catch (err) {
      if (err instanceof EventValidationError) return { message, ctx, invalid: err };
      throw err;
    }
  }

  /**
   * Dead-letters the invalid items, then lets the valid ones ride in a merged call. If that call
   * fails they take the usual path on their own: retries, split, dead letters.
   */
  private async processCoalesced(
    topic: string,
    items: Parsed[],
    coalescer: BatchCoalescer<Parsed>,
    run: (valid: Parsed[]) => Promise<void>,
  ): Promise<void> {
    const valid = items.filter((p) => p.event);
    // Submitted before any await, so the batches of one fetch meet in one group.
    const merged = valid.length > 0 ? coalescer.submit(valid) : undefined;
    for (const bad of items.filter((p) => p.invalid)) {
      await this.deadLetter(topic, bad, 'validation', bad.invalid!.message, 0);
    }
    if (!merged) return;
    try {
      await merged;
      return;
    } catch (err) {
      failures.inc({ topic, group: this.options.groupId });
      this.log.warn('merged batch failed; handling this partition on its own', {
        topic,
        batch: valid.length,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    await this.process(topic, valid, run);
  }

  private async runCoalesced(handler: AnyBatchHandler, items: Parsed[]): Promise<void> {
    await runInContext({}, () => handler(items.map((p) => ({ event: p.event!, ctx: p.ctx }))));
    const perTopic = new Map<string, number>();
    for (const p of items) perTopic.set(p.ctx.topic, (perTopic.get(p.ctx.topic) ?? 0) + 1);
    for (const [topic, n] of perTopic) handled.inc({ topic, group: this.options.groupId }, n);
  }

  /**
   * Runs the handler over the valid items with retries. A batch that keeps failing is split
   * into single messages so one poison message cannot hold back the others.
   */
  private async process(
    topic: string,
    items: Parsed[],
    run: (valid: Parsed[]) => Promise<void>,
  ): Promise<void> {
    for (const bad of items.filter((p) => p.invalid)) {
      await this.deadLetter(topic, bad, 'validation', bad.invalid!.message, 0);
    }
    const valid = items.filter((p) => p.event);
    if (valid.length === 0) return;
    const outcome = await this.attempt(topic, valid, run);
    if (outcome.ok) return;
    if (valid.length > 1) {
      for (const one of valid) await this.process(topic, [one], run);
      return;
    }
    await this.deadLetter(
      topic,
      valid[0],
      outcome.permanent ? 'permanent' : 'exhausted',
      outcome.reason,
      outcome.attempts,
    );
  }

  private async attempt(
    topic: string,
    valid: Parsed[],
    run: (valid: Parsed[]) => Promise<void>,
  ): Promise<{ ok: true } | { ok: false; permanent: boolean; reason: string; attempts: number }> {
    const labels = { topic, group: this.options.groupId };
    for (let attempt = 1; ; attempt++) {
      try {
        const first = valid[0];
        const trace = parseTraceparent(first.ctx.traceparent);
        await runInContext(
          {
            traceId: trace?.traceId,
            spanId: trace?.spanId,
            leadId: valid.length === 1 ? first.event!.subject : undefined,
            eventId: valid.length === 1 ? first.event!.id : undefined,
          },
          () => run(valid),
        );
        handled.inc(labels, valid.length);
        return { ok: true };
      } catch (err) {
        failures.inc(labels);
        const permanent = err instanceof PermanentError || err instanceof EventValidationError;
        const reason = err instanceof Error ? err.message : String(err);
        if (permanent || attempt >= this.retry.attempts)
          return { ok: false, permanent, reason, attempts: attempt };
        // A message that failed while stopping is not exhausted, only interrupted: redelivered later.
        if (this.stopping) throw new StopRequested();
        const delay = backoffDelay(this.retry, attempt);
        this.log.warn('handler failed, retrying', {
          topic,
          attempt,
          delayMs: delay,
          error: reason,
          batch: valid.length,
        });
        await this.pause(delay);
        if (this.stopping) throw new StopRequested();
      }
    }
  }

  private async deadLetter(
    topic: string,
    p: Parsed,
    kind: string,
    reason: string,
    attempts: number,
  ): Promise<void> {
    const original: Record<string, string | Buffer> = {};
    for (const [k, v] of Object.entries(p.message.headers ?? {})) {
      if (v !== undefined) original[k] = Array.isArray(v) ? String(v[0]) : (v as Buffer | string);
    }
    const parts: DeadLetterParts = {
      key: p.message.key,
      value: p.message.value,
      original,
      added: {
        [Headers.dlqReason]: reason.slice(0, 2000),
        [Headers.dlqKind]: kind,
        [Headers.dlqAttempts]: String(attempts),
        [Headers.dlqFailedAt]: new Date().toISOString(),
        [Headers.dlqGroup]: this.options.groupId,
        // The name on the wire (prefix included): where an operator finds the original message.
        [Headers.originalTopic]: this.kafka.physical(topic),
        [Headers.originalPartition]: String(p.ctx.partition),
        [Headers.originalOffset]: p.message.offset,
      },
    };
    const labels = { topic, group: this.options.groupId };
    const pointer = { topic, partition: p.ctx.partition, offset: p.message.offset, kind, reason };
    const dlq = deadLetterTopic(topic);
    const size = (p.message.value?.length ?? 0) + (p.message.key?.length ?? 0);
    const fitted = fitDeadLetter(parts, await this.deadLetterLimit(dlq, size));
    let truncated = fitted.truncated;
    try {
      try {
        await this.sendDeadLetter(dlq, fitted.message);
      } catch (err) {
        if (!isNonRetriable(err)) throw err;
        // Refused for good (a topic limit lower than known, a record the broker will not take):
        // the pointer alone still tells an operator where the message is.
        this.log.warn('dead letter refused; sending the pointer without the value', {
          ...pointer,
          bytes: fitted.bytes,
          error: err instanceof Error ? err.message : String(err),
        });
        await this.sendDeadLetter(dlq, pointerOnly(parts));
        truncated = true;
      }
    } catch (err) {
      // Retriable (the broker unreachable): nothing is committed, the message comes again.
      if (!isNonRetriable(err)) throw err;
      // Crash-looping on it would stop the partition for good: move past it. The original stays
      // on its topic at this offset until retention.
      deadLettersLost.inc(labels);
      this.log.error('message could not be dead-lettered; moving past it (it stays on its topic)', {
        ...pointer,
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    deadLetters.inc({ ...labels, kind });
    if (truncated) deadLettersTruncated.inc(labels);
    this.log.error('message dead-lettered', {
      ...pointer,
      ...(truncated ? { truncatedFrom: p.message.value?.length ?? 0 } : {}),
    });
  }

  /** Sends one dead letter; a missing DLQ topic is provisioned again (when the consumer may) and the send retried once. */
  private async sendDeadLetter(dlq: string, message: Message): Promise<void> {
    try {
      await this.deadLetterPublisher.sendRaw(dlq, [message]);
    } catch (err) {
      if (!isTopicMissing(err) || !this.options.reprovision) throw err;
      await this.reprovisionTopics('dead-letter topic missing');
      await this.deadLetterPublisher.sendRaw(dlq, [message]);
    }
  }

  /**
   * The size bound for a dead letter of about `size` bytes to `dlq`: the configured bound, lowered
   * to what the topic's `max.message.bytes` allows when that is lower (looked up once per topic,
   * for large dead letters only; without an answer the configured bound stands).
   */
  private async deadLetterLimit(dlq: string, size: number): Promise<number> {
    if (size <= LIMIT_LOOKUP_ABOVE_BYTES) return this.deadLetterMaxBytes;
    const known = this.deadLetterLimits.get(dlq);
    if (known !== undefined) return known;
    try {
      const topicMax = await withTimeout(topicMaxMessageBytes(this.kafka, dlq), 5_000);
      const limit =
        topicMax === undefined
          ? this.deadLetterMaxBytes
          : Math.min(this.deadLetterMaxBytes, topicMax - RECORD_FRAMING_BYTES);
      this.deadLetterLimits.set(dlq, limit);
      return limit;
    } catch (err) {
      this.log.warn('could not read the dead-letter topic size limit; using the configured bound', {
        topic: dlq,
        bound: this.deadLetterMaxBytes,
        error: err instanceof Error ? err.message : String(err),
      });
      return this.deadLetterMaxBytes;
    }
  }
}

/** Whether `p` settled within `ms` (its rejection is rethrown; a late one is swallowed). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  p.catch(() => undefined);
  try {
    return await Promise.race([p.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  p.catch(() => undefined);
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]);
}
