import { createServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaConnection, type KafkaSettings } from '../src/client.js';

export interface TcpProxy {
  port: number;
  /** Resets every connection and refuses new ones (a broker gone). */
  close(): Promise<void>;
  /** Every open and new connection stays open and hears nothing more (a broker that stopped answering). */
  freeze(): void;
}

/** A TCP proxy to host:port that a test can take down, to make a server unreachable under a running client. */
export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client)).on('error', () => undefined);
    if (frozen) return;
    const upstream = netConnect(port, host);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream)).on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!frozen) client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
    },
    freeze: () => {
      frozen = true;
      for (const s of sockets) {
        s.unpipe();
        s.pause();
      }
    },
  };
}

/**
 * A connection whose every broker connection goes through the proxy: the broker advertises its
 * own address, so the seed alone would not do; the socket factory ignores the address it is given.
 */
export function kafkaThrough(proxy: TcpProxy, settings: Omit<KafkaSettings, 'brokers'>): KafkaConnection {
  const client = new Kafka({
    clientId: settings.clientId,
    brokers: [`127.0.0.1:${proxy.port}`],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
    connectionTimeout: 3000,
    socketFactory: ({ onConnect }) => {
      const socket = netConnect({ host: '127.0.0.1', port: proxy.port }, onConnect);
      socket.setNoDelay(true);
      return socket;
    },
  });
  return new KafkaConnection(client, { ...settings, brokers: [`127.0.0.1:${proxy.port}`] });
}
