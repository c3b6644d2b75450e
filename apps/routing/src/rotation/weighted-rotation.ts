/**
 * Per-pool rotation state: each rep's running credit. Persisted as JSON in the pool's row and
 * locked (SELECT … FOR UPDATE) while a decision is made, so replicas never race on it.
 */
export type RotationState = Record<string, number>;

export interface RotationCandidate {
  repId: string;
  weight: number;
}

export interface RotationPick {
  repId: string;
  before: RotationState;
  after: RotationState;
}

/**
 * Smooth weighted round-robin over the reps eligible right now.
 *
 * Every eligible rep earns its weight in credit; the one with the most credit gets the lead
 * and pays back the total weight of the eligible reps. Credits of eligible reps always sum to
 * what they summed to before, so the order is deterministic and exact over any window
 * (50/25/25 gives A B A C A B A C …).
 *
 * A rep who is skipped (away, out of hours, at capacity) is simply not in `eligible`: their
 * credit is frozen, neither growing (no backlog when they come back) nor shrinking (no
 * penalty), and the others share the leads by their own weights meanwhile. Ties go to the
 * rep id that sorts first, so two runs over the same inputs pick the same reps.
 */
export function pickWeighted(state: RotationState, eligible: readonly RotationCandidate[]): RotationPick {
  if (eligible.length === 0) throw new Error('pickWeighted needs at least one eligible rep');
  const before = { ...state };
  const after = { ...state };
  let total = 0;
  let best: RotationCandidate | undefined;
  for (const c of [...eligible].sort((a, b) => (a.repId < b.repId ? -1 : a.repId > b.repId ? 1 : 0))) {
    total += c.weight;
    after[c.repId] = (after[c.repId] ?? 0) + c.weight;
    if (!best || after[c.repId] > after[best.repId]) best = c;
  }
  after[best!.repId] -= total;
  return { repId: best!.repId, before, after };
}

/** Credits of reps no longer in the pool are dropped; the rest are kept as they are. */
export function pruneRotation(state: RotationState, members: readonly string[]): RotationState {
  const keep = new Set(members);
  return Object.fromEntries(Object.entries(state).filter(([repId]) => keep.has(repId)));
}
