import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import {
  BaseRpcContext,
  EventPattern,
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
} from '@nestjs/microservices';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import { contractFor, topicsConsumedBy, type CloudEvent, type EventOf, type TopicName } from '@baton/domain';
import type { EventConsumer, MessageContext } from '@baton/kafka';
import type { ConsumerSettings } from './consumer-settings.js';
import type { ServiceRuntime } from './runtime.js';

/** How a handler takes its messages: one at a time (default) or a batch per call. */
export interface KafkaHandlerOptions {
  /** The method gets `BatchItem[]` (every valid message of a fetched partition batch) per call. */
  batch?: boolean;
  /**
   * With `batch`: the batches one fetch brings, of every partition and every topic of this
   * pattern, reach the method in one call (one transaction per fetch).
   */
  coalesce?: boolean;
}

export type BatchItem<T extends TopicName> = { event: CloudEvent<EventOf<T>>; ctx: MessageContext };

/** The context of a Baton Kafka message (`@Ctx() ctx: KafkaEventContext`). */
export class KafkaEventContext extends BaseRpcContext<[MessageContext]> {
  get message(): MessageContext {
    return this.args[0];
  }
}

/**
 * Declares a Kafka handler on a controller method, the NestJS way: `@OnEvent(Topics.LeadAssigned)`
 * or `@OnEvent([Topics.A, Topics.B], { batch: true, coalesce: true })`. It is `@EventPattern`
 * with the topics typed against the registry.
 */
export function OnEvent(topics: TopicName | readonly TopicName[], options: KafkaHandlerOptions = {}) {
  const list = typeof topics === 'string' ? [topics] : [...topics];
  // One extras object for every topic of the declaration: the transport groups a coalesced
  // handler's topics by it (Nest registers one handler per pattern).
  return EventPattern(list, { ...options, declaration: Symbol(list.join(',')) });
}

/** Event handler errors reach the transport as thrown (Nest's default filter would replace them). */
@Catch()
export class RethrowRpcErrors implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

interface Declared {
  topics: TopicName[];
  handler: MessageHandler;
  options: KafkaHandlerOptions;
}

/**
 * A NestJS transport strategy over libs/kafka's EventConsumer: every `@OnEvent` / `@EventPattern`
 * of the service's controllers becomes a handler of the service's one consumer group, so every
 * guarantee of EventConsumer holds (schema validation, retries with backoff, dead letters, offsets
 * committed only after the effect, batches split to isolate a poison message, graceful stop).
 */
export class KafkaTransport extends Server implements CustomTransportStrategy {
  override readonly propagatesEventHandlerErrors = true;
  private consumer?: EventConsumer;

  constructor(
    private readonly service: string,
    private readonly runtime: () => ServiceRuntime,
    private readonly settings: ConsumerSettings,
  ) {
    super();
  }

  /** The topics this service's handlers consume (checked against the contract registry at start). */
  declaredTopics(): TopicName[] {
    return this.declarations().flatMap((d) => d.topics);
  }

  listen(callback: (err?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  private declarations(): Declared[] {
    const byDeclaration = new Map<unknown, Declared>();
    for (const [pattern, handler] of this.getHandlers()) {
      const topic = pattern as TopicName;
      if (!contractFor(topic)) throw new Error(`@EventPattern('${pattern}') is not a topic of the registry`);
      const extras = (handler.extras ?? {}) as KafkaHandlerOptions & { declaration?: symbol };
      const key = extras.declaration ?? handler;
      const seen = byDeclaration.get(key);
      if (seen) seen.topics.push(topic);
      else byDeclaration.set(key, { topics: [topic], handler, options: extras });
    }
    return [...byDeclaration.values()];
  }

  private async start(): Promise<void> {
    const declarations = this.declarations();
    if (declarations.length === 0) return;
    const consumed = new Set(topicsConsumedBy(this.service));
    const foreign = declarations.flatMap((d) => d.topics).filter((t) => !consumed.has(t));
    if (foreign.length > 0) {
      throw new Error(
        `${this.service} handles ${foreign.join(', ')} but the contract registry does not list it as a consumer`,
      );
    }
    const s = this.settings;
    const coalesce = declarations.some((d) => d.options.batch && d.options.coalesce);
    const consumer = this.runtime().consumer({
      groupId: s.group,
      maxBatchSize: s.batch,
      partitionsConsumedConcurrently: s.concurrency,
      sessionTimeoutMs: s.sessionTimeoutMs,
      retry: {
        attempts: s.retryAttempts,
        initialDelayMs: s.retryInitialDelayMs,
        maxDelayMs: s.retryMaxDelayMs,
      },
      ...(coalesce ? { coalesce: { maxConcurrent: s.transactions } } : {}),
    });
    for (const { topics, handler, options } of declarations) {
      const call = async (data: unknown, ctx: MessageContext) => {
        const result: unknown = await handler(data, new KafkaEventContext([ctx]));
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      };
      if (options.batch) {
        consumer.onBatch(topics, (items) => call(items, items[0].ctx), {
          coalesce: options.coalesce === true,
        });
      } else {
        for (const topic of topics) consumer.on(topic, (event, ctx) => call(event, ctx));
      }
    }
    this.consumer = consumer;
    await consumer.start();
  }

  /** The consumer, once listening (readiness and tests look at it). */
  get eventConsumer(): EventConsumer | undefined {
    return this.consumer;
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
  }

  on(): never {
    throw new Error('KafkaTransport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}
