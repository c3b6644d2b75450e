import { counter, gauge, histogram } from '@baton/observability';

/** The SLA service's figures in /metrics (Prometheus). */
export const slaMetrics = {
  timeToFirstTouch: histogram(
    'baton_sla_time_to_first_touch_seconds',
    "Assignment → the assigned rep's first touch, on the wall clock, by team (routing's pool)",
    ['team'],
    [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 259_200],
  ),
  timersClosed: counter(
    'baton_sla_timers_closed_total',
    'Timers judged, by policy and outcome (met | breached): compliance = met / (met + breached)',
    ['policy', 'outcome'],
  ),
  compliance: gauge(
    'baton_sla_compliance_ratio',
    'Share of the timers judged in the last 24 h that were met, by policy (from the database)',
    ['policy'],
  ),
  openTimers: gauge('baton_sla_open_timers', 'Timers still running, by policy (from the database)', [
    'policy',
  ]),
  rungsFired: counter(
    'baton_sla_rungs_fired_total',
    'Ladder rungs fired or skipped, by policy, action and outcome',
    ['policy', 'action', 'outcome'],
  ),
  firingLateness: histogram(
    'baton_sla_firing_lateness_seconds',
    'Due time → the firing transaction (rung marked fired, events in the outbox)',
    ['action'],
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300],
  ),
  timersArmed: counter('baton_sla_timers_armed_total', 'Timers armed, by policy and clock', [
    'policy',
    'clock',
  ]),
};
