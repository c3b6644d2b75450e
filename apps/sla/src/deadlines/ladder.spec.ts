import { describe, expect, it } from 'vitest';
import { decideRung, type DueRung } from './ladder.js';

function due(over: Partial<DueRung> = {}): DueRung {
  return {
    timerId: 'asg-1:first_touch',
    rung: 0,
    action: 'remind_rep',
    managerTask: false,
    topDueRung: 0,
    assignment: { superseded: false, reassignRequested: false },
    qualification: { repIds: ['ana.silva'], reassignments: 0 },
    ...over,
  };
}

describe('ladder decisions', () => {
  it('fires a reminder and an escalation as they are, with the manager task where the rung wants one', () => {
    expect(decideRung(due(), 2)).toEqual({ fire: true, action: 'remind_rep', managerTask: false });
    expect(
      decideRung(due({ rung: 1, topDueRung: 1, action: 'escalate_to_manager', managerTask: true }), 2),
    ).toEqual({
      fire: true,
      action: 'escalate_to_manager',
      managerTask: true,
    });
  });

  it('catching up after downtime, fires only the highest due rung of a timer', () => {
    expect(decideRung(due({ rung: 0, topDueRung: 2 }), 2)).toEqual({ fire: false, skipped: 'overtaken' });
    expect(decideRung(due({ rung: 1, topDueRung: 2, action: 'escalate_to_manager' }), 2)).toEqual({
      fire: false,
      skipped: 'overtaken',
    });
  });

  it('reassigns away from every rep who already had the qualification (no ping-pong)', () => {
    const d = decideRung(
      due({
        rung: 2,
        topDueRung: 2,
        action: 'reassign',
        qualification: { repIds: ['ana.silva', 'ben.okafor', 'ana.silva'], reassignments: 1 },
      }),
      2,
    );
    expect(d).toEqual({
      fire: true,
      action: 'reassign',
      reassign: { excludeRepIds: ['ana.silva', 'ben.okafor'] },
      managerTask: false,
    });
  });

  it('stops reassigning at the cap: the breach goes out marked capped, for the manager to decide', () => {
    expect(
      decideRung(
        due({
          rung: 2,
          topDueRung: 2,
          action: 'reassign',
          qualification: { repIds: ['a', 'b', 'c'], reassignments: 2 },
        }),
        2,
      ),
    ).toEqual({ fire: true, action: 'reassign', capped: true, managerTask: false });
    expect(decideRung(due({ action: 'reassign' }), 0)).toMatchObject({ capped: true });
  });

  it('asks routing once per assignment, whichever policy asks first', () => {
    expect(
      decideRung(due({ action: 'reassign', assignment: { superseded: false, reassignRequested: true } }), 2),
    ).toEqual({ fire: false, skipped: 'already_reassigned' });
  });

  it('does nothing for an assignment a newer one replaced', () => {
    expect(decideRung(due({ assignment: { superseded: true, reassignRequested: false } }), 2)).toEqual({
      fire: false,
      skipped: 'superseded',
    });
  });
});
