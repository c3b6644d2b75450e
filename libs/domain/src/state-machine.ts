import type { LifecycleStage } from './lifecycle.js';

/**
 * Legal lifecycle moves. Forward moves may skip stages (a demo request can take a
 * subscriber straight to SQL); backward moves exist only as recycling to nurture,
 * and nurture re-enters the funnel from the bottom.
 */
const TRANSITIONS: Record<LifecycleStage, readonly LifecycleStage[]> = {
  subscriber: ['lead', 'mql', 'sql', 'disqualified', 'nurture'],
  lead: ['mql', 'sql', 'disqualified', 'nurture'],
  mql: ['sql', 'disqualified', 'nurture'],
  sql: ['opportunity', 'nurture', 'disqualified'],
  opportunity: ['customer', 'nurture', 'disqualified'],
  customer: [],
  nurture: ['lead', 'mql', 'sql', 'disqualified'],
  disqualified: ['nurture'],
};

export function canTransition(from: LifecycleStage, to: LifecycleStage): boolean {
  return TRANSITIONS[from].includes(to);
}

export function allowedTransitions(from: LifecycleStage): readonly LifecycleStage[] {
  return TRANSITIONS[from];
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: LifecycleStage,
    readonly to: LifecycleStage,
  ) {
    super(`lifecycle transition ${from} -> ${to} is not allowed`);
    this.name = 'IllegalTransitionError';
  }
}

export function assertTransition(from: LifecycleStage, to: LifecycleStage): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** Stages in which the lead is with sales and must not be re-qualified. */
export function isWithSales(stage: LifecycleStage): boolean {
  return stage === 'sql' || stage === 'opportunity' || stage === 'customer';
}
