import { describe, expect, it } from 'vitest';
import { PermanentError } from '@baton/kafka';
import { BudgetExhaustedError } from '../api-budget/rate-limiter.js';
import { isPoisonSuspect, reasonOf } from './poison.js';

describe('a failed round: poison item or outage', () => {
  it('suspects the data on programming-level errors, schema refusals, CRM 4xx and Postgres data errors', () => {
    expect(isPoisonSuspect(new RangeError('Invalid time value'))).toBe(true);
    expect(isPoisonSuspect(new TypeError("Cannot read properties of null (reading 'email')"))).toBe(true);
    expect(isPoisonSuspect(new PermanentError('hubspot contacts.batch.read rejected (400): bad'))).toBe(true);
    expect(isPoisonSuspect({ name: 'ZodError' })).toBe(true);
    expect(isPoisonSuspect({ name: 'QueryFailedError', driverError: { code: '22P05' } })).toBe(true);
    expect(isPoisonSuspect({ name: 'QueryFailedError', driverError: { code: '23505' } })).toBe(true);
  });

  it('sees an outage in network failures, refused tokens, the rate budget and lost connections', () => {
    expect(isPoisonSuspect(new TypeError('fetch failed'))).toBe(false);
    expect(isPoisonSuspect(new PermanentError('hubspot contacts.batch.read rejected (401): expired'))).toBe(
      false,
    );
    expect(isPoisonSuspect(new PermanentError('salesforce query rejected (403): no access'))).toBe(false);
    expect(isPoisonSuspect(new BudgetExhaustedError('hubspot', 1000))).toBe(false);
    expect(isPoisonSuspect(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      false,
    );
    expect(isPoisonSuspect({ name: 'QueryFailedError', driverError: { code: '57P01' } })).toBe(false);
    expect(isPoisonSuspect(new Error('Connection terminated unexpectedly'))).toBe(false);
  });

  it('names the error, bounded', () => {
    expect(reasonOf(new RangeError('x'.repeat(5_000)))).toHaveLength(1_000);
    expect(reasonOf('plain')).toBe('plain');
  });
});
