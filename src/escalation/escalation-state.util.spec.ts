import { describe, expect, it } from '@jest/globals';
import { allowedEscalationTransitions } from './escalation-state.util.js';

describe('allowedEscalationTransitions', () => {
  it('ends at resolved and cancelled', () => {
    expect(allowedEscalationTransitions('resolved', false)).toEqual([]);
    expect(allowedEscalationTransitions('cancelled', false)).toEqual([]);
  });

  it('lets a claimed escalation be claimed again only once its lease has expired', () => {
    expect(allowedEscalationTransitions('claimed', true)).not.toContain('claimed');
    expect(allowedEscalationTransitions('scheduled', false)).toContain('claimed');
    expect(allowedEscalationTransitions('claimed', true)).toEqual(
      expect.arrayContaining(['scheduled', 'resolved']),
    );
  });
});
