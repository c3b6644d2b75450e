import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseEnvSchema, ConfigError, loadEnv } from './config.js';

const good = { KAFKA_BROKERS: '127.0.0.1:19092, kafka-2:9092', DATABASE_URL: 'postgres://u@db:5432/baton' };

describe('environment configuration', () => {
  it('parses and defaults the shared settings', () => {
    const env = loadEnv(BaseEnvSchema, good);
    expect(env.KAFKA_BROKERS).toEqual(['127.0.0.1:19092', 'kafka-2:9092']);
    expect(env).toMatchObject({
      PORT: 3000,
      LOG_LEVEL: 'info',
      KAFKA_TOPIC_PREFIX: '',
      KAFKA_TOPIC_PARTITIONS: 6,
    });
  });

  it('names every missing or bad key at once', () => {
    try {
      loadEnv(BaseEnvSchema.extend({ SLACK_BOT_TOKEN: z.string().min(1) }), {
        KAFKA_BROKERS: 'no-port',
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).message;
      expect(text).toMatch(/KAFKA_BROKERS(\.0)?: expected host:port/);
      expect(text).toContain('DATABASE_URL: is required but not set');
      expect(text).toContain('PORT:');
      expect(text).toContain('LOG_LEVEL: one of debug, info, warn, error');
      expect(text).toContain('SLACK_BOT_TOKEN: is required but not set');
    }
  });
});
