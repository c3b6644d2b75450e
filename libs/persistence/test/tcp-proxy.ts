import { createServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to a server (Postgres, or the Kafka broker). down() resets every connection and
 * refuses new ones until up(), as a restart does. freeze() makes the server of every open
 * connection vanish (a failover): the server's side is closed, the client's side stays open and
 * hears nothing more; new connections still pass, unless `silence: true` (the server stopped
 * answering altogether: new connections are accepted and hear nothing either).
 */
export async function tcpProxy(target: URL) {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const silent = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let silenceNew = false;
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        if (silenceNew) {
          client.on('error', () => {}).pause();
          silent.add(client);
          return;
        }
        const upstream = netConnect(Number(target.port || 5432), target.hostname);
        const pair = { client, upstream };
        const close = () => {
          pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        };
        for (const s of [client, upstream]) s.on('error', close).on('close', close);
        pairs.add(pair);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const down = async () => {
    const closing = server ? new Promise((resolve) => server!.close(resolve)) : undefined;
    server = undefined;
    for (const { client, upstream } of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    for (const s of silent) s.destroy();
    silent.clear();
    await closing;
  };
  const freeze = (opts: { silence?: boolean } = {}) => {
    silenceNew = opts.silence ?? false;
    for (const { client, upstream } of pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      for (const s of [client, upstream])
        s.removeAllListeners('close')
          .removeAllListeners('error')
          .on('error', () => {});
      client.pause();
      silent.add(client);
      upstream.destroy();
    }
    pairs.clear();
  };
  await up();
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    get port() {
      return port;
    },
    up,
    down,
    freeze,
  };
}
