import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import { JsonLogger, counter } from '@baton/observability';
import { ServiceRuntime } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import { StreamCursorStore } from '../database/stream-cursor.store.js';
import { parseChangeEvent, type ChangeEvent } from './change-events.js';
import { STOP_GRACE_MS } from '../ingest/intake-loop.js';
import { SalesforceIngest } from './salesforce-ingest.js';

export const CDC_CHANNELS = ['/data/LeadChangeEvent', '/data/TaskChangeEvent'] as const;

/** Events applied per transaction. */
const BATCH_SIZE = 200;

/** -1: only events from now on (first start); afterwards always the stored replayId. */
const FIRST_START_REPLAY = -1;

const received = counter('baton_salesforce_cdc_events_total', 'CDC events received', ['channel']);

interface FayeClient {
  subscribe(channel: string, listener: (message: unknown) => void): PromiseLike<unknown> & { cancel(): void };
  disconnect(): void;
}

export function cursorName(channel: string): string {
  return `cdc:${channel}`;
}

/**
 * Salesforce Change Data Capture through jsforce streaming (CometD with the Replay extension),
 * one client per channel. Events are worked in arrival order in small batches; each batch's
 * domain events and the channel's last replayId are committed together, so after a restart
 * the stream resumes right after the last event that was turned into domain events.
 */
@Injectable()
export class SalesforceChangeStream implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new JsonLogger('salesforce.cdc');
  private readonly clients: FayeClient[] = [];
  private readonly pending: ChangeEvent[] = [];
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly intake: SalesforceIngest,
    private readonly cursors: StreamCursorStore,
    @Inject(CONNECTOR_CLOCK) private readonly clock: Clock,
  ) {}

  /** Subscribed before the service counts as started. */
  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const cursors = await this.runtime.transaction((em) =>
      this.cursors.read(em, CDC_CHANNELS.map(cursorName)),
    );
    for (const channel of CDC_CHANNELS) {
      const stored = cursors.get(cursorName(channel));
      const replayFrom = stored !== undefined ? Number(stored) : FIRST_START_REPLAY;
      const client = this.intake.api.conn.streaming.createClient([
        new StreamingExtension.Replay(channel, replayFrom),
      ]) as unknown as FayeClient;
      const subscription = client.subscribe(channel, (message) => this.receive(channel, message));
      await subscription;
      this.clients.push(client);
      this.log.info('subscribed', { channel, replayFrom });
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const c of this.clients.splice(0)) c.disconnect();
    this.wake?.();
    // A batch waiting on an unreachable org is abandoned after the grace (it stays unacknowledged).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.loop,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_GRACE_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  private receive(channel: string, message: unknown): void {
    const event = parseChangeEvent(channel, message);
    if (!event) {
      this.log.warn('unreadable change event ignored', { channel });
      return;
    }
    received.inc({ channel });
    this.pending.push(event);
    this.wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running || this.pending.length) {
      if (this.pending.length === 0) {
        if (!this.running) break;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      const batch = this.pending.slice(0, BATCH_SIZE);
      try {
        await this.runtime.transaction(async (em) => {
          await this.intake.changeEvents(em, batch);
          const last = new Map<string, string>();
          for (const e of batch) last.set(cursorName(e.channel), String(e.replayId));
          await this.cursors.write(em, last);
        });
        this.pending.splice(0, batch.length);
        failures = 0;
      } catch (err) {
        failures++;
        this.log.error('change events not applied; retrying', {
          error: err as Error,
          failures,
          events: batch.length,
        });
        if (!this.running) break; // unapplied events are replayed from the stored replayId on restart
        await this.clock.sleep(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)));
      }
    }
  }

  /** Events received but not yet committed (for tests and readiness). */
  get backlog(): number {
    return this.pending.length;
  }
}
