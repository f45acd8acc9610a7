import { describe, expect, it } from '@jest/globals';
import { allowedEscalationTransitions } from './escalation-state.util.js';

describe('allowedEscalationTransitions', () => {
  it('ends at resolved, cancelled and closed', () => {
    expect(allowedEscalationTransitions('resolved', false)).toEqual([]);
    expect(allowedEscalationTransitions('cancelled', false)).toEqual([]);
    expect(allowedEscalationTransitions('closed', false)).toEqual([]);
  });

  it('lets every open escalation be cancelled or closed, and a queued one only routed otherwise', () => {
    for (const from of ['queued', 'routed', 'claimed', 'scheduled'] as const) {
      expect(allowedEscalationTransitions(from, true)).toEqual(
        expect.arrayContaining(['cancelled', 'closed']),
      );
    }
    expect(allowedEscalationTransitions('queued', false)).toEqual([
      'routed',
      'cancelled',
      'closed',
    ]);
  });

  it('lets a claimed escalation be claimed again only once its lease has expired', () => {
    expect(allowedEscalationTransitions('claimed', true)).not.toContain('claimed');
    expect(allowedEscalationTransitions('scheduled', false)).toContain('claimed');
    expect(allowedEscalationTransitions('claimed', true)).toEqual(
      expect.arrayContaining(['scheduled', 'resolved']),
    );
  });
});
