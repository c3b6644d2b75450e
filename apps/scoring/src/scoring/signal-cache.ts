import { counter } from '@baton/observability';
import type { Signal } from './score.js';

const lookups = counter('baton_scoring_signal_cache_total', 'Signal cache lookups by outcome', ['outcome']);

/**
 * The stored signals of recently scored leads, so a batch does not read back every signal of
 * every lead it touches. An entry is used only when its token equals the lead row's
 * `signal_token`, read under the row lock: every change to a lead's signals writes a new random
 * token in the same transaction, so a change by another replica, a rolled-back transaction or a
 * restart all show up as a mismatch, and the signals are read from the table instead.
 * Least recently used leads are dropped beyond `maxLeads`; 0 turns the cache off.
 */
export class SignalCache {
  private readonly entries = new Map<string, { token: string; signals: readonly Signal[] }>();

  constructor(private readonly maxLeads: number) {}

  /** The lead's signals if the cached entry is the stored state, else undefined. */
  get(leadId: string, token: string | undefined): readonly Signal[] | undefined {
    const entry = this.entries.get(leadId);
    if (!entry || token === undefined || entry.token !== token) {
      if (this.maxLeads > 0) lookups.inc({ outcome: 'miss' });
      return undefined;
    }
    // Refresh its place in the LRU order.
    this.entries.delete(leadId);
    this.entries.set(leadId, entry);
    lookups.inc({ outcome: 'hit' });
    return entry.signals;
  }

  set(leadId: string, token: string, signals: readonly Signal[]): void {
    if (this.maxLeads <= 0) return;
    this.entries.delete(leadId);
    this.entries.set(leadId, { token, signals });
    while (this.entries.size > this.maxLeads) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
