import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, globSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, isolatedEnv, waitFor } from '@baton/testing';
import { ROOT } from './workspaces.js';

// What production runs: the compiled service, its libs resolved to their dist/ by the
// `production` export condition, no TypeScript loader.
const APP = 'routing';
const MAIN = join(ROOT, 'apps', APP, 'dist', 'main.js');
const env = isolatedEnv('build');
const children: ChildProcess[] = [];

beforeAll(() => {
  // Cached by Nx when CI has just run `nx run-many -t build`.
  const nx = spawnSync(process.execPath, [join(ROOT, 'node_modules', '.bin', 'nx'), 'build', APP], {
    cwd: ROOT,
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' },
    encoding: 'utf8',
  });
  expect(nx.status, `${nx.stdout}\n${nx.stderr}`).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await dropSchema(env.DATABASE_SCHEMA!);
});

/** A port nothing listens on (the service's own log line would tie this test to its format). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe(`nx build ${APP}`, () => {
  it('compiles the app and the libs it needs, without specs', () => {
    expect(existsSync(MAIN)).toBe(true);
    for (const lib of ['domain', 'kafka', 'observability', 'persistence', 'platform'])
      expect(existsSync(join(ROOT, 'libs', lib, 'dist', 'index.js')), lib).toBe(true);
    expect(globSync('{apps,libs}/*/dist/**/*.spec.js', { cwd: ROOT })).toEqual([]);
    expect(existsSync(`${MAIN}.map`)).toBe(true);
  });

  it('resolves the libs to their compiled code under --conditions=production, to their sources otherwise', () => {
    const resolve = (...flags: string[]) =>
      spawnSync(
        process.execPath,
        [
          ...flags,
          '--input-type=module',
          '-e',
          "console.log(import.meta.resolve('@baton/platform'), import.meta.resolve('@baton/domain'))",
        ],
        { cwd: join(ROOT, 'apps', APP), encoding: 'utf8' },
      ).stdout.trim();
    expect(resolve('--conditions=production')).toMatch(
      /\/libs\/platform\/dist\/index\.js \S*\/libs\/domain\/dist\/index\.js$/,
    );
    expect(resolve()).toMatch(/\/libs\/platform\/src\/index\.ts \S*\/libs\/domain\/src\/index\.ts$/);
  });

  it('runs: the compiled service becomes ready on the real broker and database, and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--enable-source-maps', '--conditions=production', MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        TZ: 'UTC',
        NODE_ENV: 'production',
        KAFKA_BROKERS: env.KAFKA_BROKERS.join(','),
        KAFKA_TOPIC_PREFIX: env.KAFKA_TOPIC_PREFIX,
        KAFKA_TOPIC_PARTITIONS: '1',
        KAFKA_REPLICATION_FACTOR: '1',
        DATABASE_URL: env.DATABASE_URL,
        DATABASE_SCHEMA: env.DATABASE_SCHEMA,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        BATON_API_TOKEN: 'build-test-api-token-0123456789',
        ROUTING_ADMIN_TOKEN: 'build-test-admin-token-0123456789',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );

    const ready = await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}):\n${output}`);
        const r = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
        return r?.status === 200 ? ((await r.json()) as { checks: Record<string, string> }) : undefined;
      },
      45_000,
      'the compiled service to be ready',
    );
    expect(ready.checks).toMatchObject({ database: 'up', kafka: 'up' });

    child.kill('SIGTERM');
    const stop = await exited;
    // Nest's shutdown hooks close the app, then re-raise the signal.
    expect(stop.code === 0 || (stop.code === null && stop.signal === 'SIGTERM'), output).toBe(true);
    expect(output).not.toMatch(/"level":"(error|fatal)"/);
  });
});
