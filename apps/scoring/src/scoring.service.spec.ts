import { describe, expect, it } from 'vitest';
import { prepareService } from '@baton/platform';
import { scoringService } from './scoring.service.js';

const required = {
  KAFKA_BROKERS: '127.0.0.1:19092',
  DATABASE_URL: 'postgres://x@127.0.0.1/db',
  BATON_API_TOKEN: 'a-token-of-sixteen-chars',
};

describe('scoring consumer settings', () => {
  it("keep scoring's defaults: group baton-scoring, batch 2000, 24 partitions at once, 2 transactions, libs/kafka's retries", () => {
    expect(prepareService(scoringService, required).consumer).toMatchObject({
      group: 'baton-scoring',
      batch: 2000,
      concurrency: 24,
      transactions: 2,
      sessionTimeoutMs: 8000,
      retryAttempts: 5,
      retryInitialDelayMs: 100,
      retryMaxDelayMs: 5000,
    });
  });

  it('read SCORING_CONSUMER_*, and the names before it for one more release (the new name wins)', () => {
    const old = {
      ...required,
      SCORING_BATCH_SIZE: '40',
      SCORING_PARTITIONS_CONCURRENTLY: '6',
      SCORING_TRANSACTIONS_CONCURRENTLY: '1',
      SCORING_SESSION_TIMEOUT_MS: '6000',
    };
    expect(prepareService(scoringService, old).consumer).toMatchObject({
      batch: 40,
      concurrency: 6,
      transactions: 1,
      sessionTimeoutMs: 6000,
    });
    const both = { ...old, SCORING_CONSUMER_BATCH: '100', SCORING_CONSUMER_GROUP: 'baton-scoring-blue' };
    expect(prepareService(scoringService, both).consumer).toMatchObject({
      group: 'baton-scoring-blue',
      batch: 100,
      concurrency: 6,
    });
  });

  it('name every bad setting at once, its own and the consumer ones', () => {
    const bad = { ...required, SCORING_CONSUMER_BATCH: 'lots', SCORING_SIGNAL_CACHE_LEADS: '-1' };
    expect(() => prepareService(scoringService, bad)).toThrow(
      /SCORING_SIGNAL_CACHE_LEADS[\s\S]*SCORING_CONSUMER_BATCH/,
    );
  });
});
