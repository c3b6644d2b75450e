import { isIP, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel, type ISocketFactory, type LogEntry } from 'kafkajs';
import { JsonLogger } from '@baton/observability';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /**
   * Prepended to every topic name on the wire (e.g. `staging.`), so several environments
   * or test suites can share one cluster. Event types and contracts do not change.
   */
  topicPrefix?: string;
}

/** A kafkajs client plus the topic naming of this deployment. */
export class KafkaConnection {
  constructor(
    readonly client: Kafka,
    readonly settings: KafkaSettings,
  ) {}

  /** The topic's name on the wire. */
  physical(topic: string): string {
    return `${this.settings.topicPrefix ?? ''}${topic}`;
  }

  /** The registry name of a topic seen on the wire. */
  logical(physicalTopic: string): string {
    const prefix = this.settings.topicPrefix ?? '';
    return prefix && physicalTopic.startsWith(prefix) ? physicalTopic.slice(prefix.length) : physicalTopic;
  }
}

const kafkaLog = new JsonLogger('kafkajs');

function logCreator() {
  return ({ level, log }: LogEntry) => {
    const { message, ...rest } = log;
    // kafkajs reports retriable coordinator states (e.g. "coordinator is loading") as errors
    // while it retries them; keep them as warnings so real errors stand out.
    // The idempotent producer warns that bounded retries "may invalidate EoS": Baton bounds
    // them on purpose (a send must fail rather than hang) and dedupes on event id downstream.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    if (level === logLevel.ERROR || level === logLevel.WARN) kafkaLog.warn(message, rest);
  };
}

/**
 * kafkajs's own socket factory, with Nagle's algorithm off: several requests share a broker
 * connection (a long-poll fetch, then a heartbeat or an offset commit written while it waits),
 * and a small request written while an earlier one is unacknowledged must not wait for that ACK.
 */
const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : netConnect({ host, port }, onConnect);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 60_000);
  return socket;
};

export function createKafka(settings: KafkaSettings): KafkaConnection {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const client = new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator,
    retry: { initialRetryTime: 100, retries: 8 },
    connectionTimeout: 3000,
    socketFactory: noDelaySocketFactory,
  });
  return new KafkaConnection(client, settings);
}
