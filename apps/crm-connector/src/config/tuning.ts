import type { RetryPolicy } from '@baton/kafka';
import { DEFAULT_CRM_RETRY } from '../api-budget/retry.js';

/**
 * Fixed by the CRMs or by design rather than by deployment, injected as CONNECTOR_TUNING so that
 * tests and the benchmark can compress them in time (`{ provide: CONNECTOR_TUNING, useValue }`).
 */
export interface ConnectorTuning {
  /** The window of HubSpot's rate budget (the budget itself is HUBSPOT_RATE_LIMIT): 10 s. */
  hubspotRateWindowMs: number;
  /** Retries of one CRM call on 429 and 5xx. */
  crmRetry: RetryPolicy;
  /** While the CRM is not set up for Baton, how often it is checked again (one CRM call each). */
  setupRecheckMs: number;
}

export const CONNECTOR_TUNING = Symbol('CONNECTOR_TUNING');

export const DEFAULT_TUNING: ConnectorTuning = {
  hubspotRateWindowMs: 10_000,
  crmRetry: DEFAULT_CRM_RETRY,
  setupRecheckMs: 30_000,
};
