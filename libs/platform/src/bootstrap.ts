import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { JsonLogger } from '@baton/observability';
import { ConfigError } from './config.js';
import { PolicyError } from './policy.js';

/**
 * Starts a Baton service: builds the Nest app (JSON logs), listens on PORT, and on
 * SIGTERM/SIGINT closes it gracefully (Nest shutdown hooks stop the runtime).
 * A configuration or policy error ends the process with exit code 78 and the message.
 */
export async function runNestService(
  name: string,
  build: () => Promise<{ module: unknown; port: number; nestOptions?: NestApplicationOptions }>,
): Promise<INestApplication | undefined> {
  const log = new JsonLogger(name);
  try {
    const { module, port, nestOptions } = await build();
    const app = await NestFactory.create(module as never, { logger: log, bufferLogs: false, ...nestOptions });
    app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
    await app.listen(port);
    // With PORT=0 the system picks a free port: log the one actually bound.
    const address: unknown = app.getHttpServer().address();
    const bound = address && typeof address === 'object' && 'port' in address ? Number(address.port) : port;
    log.info('listening', { port: bound });
    return app;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PolicyError) {
      log.error(err.message);
      process.exitCode = 78;
      return undefined;
    }
    log.error('failed to start', { error: err as Error });
    process.exitCode = 1;
    return undefined;
  }
}
