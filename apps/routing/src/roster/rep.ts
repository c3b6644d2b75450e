import type { CrmProvider } from '@baton/domain';
import type { WorkingHours } from '../policy/policy.schema.js';

/** A rep as routing sees them now: YAML skills plus the day-to-day state held in Postgres. */
export interface RepState {
  id: string;
  name: string;
  email: string;
  crmOwnerIds: Partial<Record<CrmProvider, string>>;
  slackUserId?: string;
  teamsUserId?: string;
  managerId?: string;
  timeZone: string;
  workingHours: WorkingHours;
  territories: string[];
  products: string[];
  segments: string[];
  dailyCapacity: number;
  weight: number;
  active: boolean;
  /** False once the rep was removed from roster.yaml: kept for history, never routed to. */
  inRoster: boolean;
  awayFrom?: Date;
  awayUntil?: Date;
  openLeads: number;
}

/** Out of office at `at`: from inclusive, until exclusive; no `until` means until further notice. */
export function isAway(rep: Pick<RepState, 'awayFrom' | 'awayUntil'>, at: Date): boolean {
  if (!rep.awayFrom && !rep.awayUntil) return false;
  const t = at.getTime();
  const from = rep.awayFrom ? rep.awayFrom.getTime() : Number.NEGATIVE_INFINITY;
  const until = rep.awayUntil ? rep.awayUntil.getTime() : Number.POSITIVE_INFINITY;
  return t >= from && t < until;
}
