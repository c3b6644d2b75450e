import { spawn, type ChildProcess } from 'node:child_process';
import type { TestEnv } from '@baton/testing';
import { waitFor } from '@baton/testing';
import { testEnvOf } from './test-service.js';

export interface SpawnedService {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The port it logged as bound ("listening"); rejects if it exits first. */
  port: Promise<number>;
  /** Resolves once /health/ready answers 200. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGKILL if still running. */
  kill(signal?: NodeJS.Signals): void;
}

const running: ChildProcess[] = [];

/** Kills every process spawnService started that is still running (for afterAll). */
export function killSpawnedServices(): void {
  for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/**
 * Runs a service's real main (or a test main calling runService) in its own process, on the test's
 * isolated environment (PORT=0 unless given: the port is read back from its "listening" log line).
 */
export function spawnService(
  main: string,
  base: TestEnv,
  vars: Record<string, string | undefined> = {},
): SpawnedService {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', main], {
    env: { ...process.env, ...testEnvOf(base, { LOG_LEVEL: 'info', ...vars }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const port = waitFor(
    async () => {
      const m = /"msg":"listening"[^\n]*"port":(\d+)/.exec(out)?.[1];
      if (!m && gone) throw new Error(`the service exited before listening:\n${out}`);
      return m;
    },
    60_000,
    'the service to listen',
  ).then(Number);
  port.catch(() => undefined);
  return {
    child,
    output: () => out,
    exited,
    port,
    ready: async (timeoutMs = 60_000) => {
      const p = await port;
      await waitFor(
        async () => {
          if (gone) throw new Error(`the service exited before it was ready:\n${out}`);
          return (await fetch(`http://127.0.0.1:${p}/health/ready`).catch(() => undefined))?.status === 200;
        },
        timeoutMs,
        'the service to be ready',
      );
    },
    kill: (signal = 'SIGKILL') => {
      if (!gone) child.kill(signal);
    },
  };
}
