import { describe, expect, it } from '@jest/globals';
import { reportPriority, urgencyFromText } from './report-priority.util.js';

const p = (text: string) => urgencyFromText(text).priority;

describe('urgency from a report’s words', () => {
  it.each([
    ['The tenant of 2A is locked out', 'urgent'],
    ['Resident locked out since 7am, please hurry', 'urgent'],
    ['It locked me out last night', 'urgent'],
    ['Guest cannot get in to the apartment', 'urgent'],
    ['The door cannot lock', 'urgent'],
    ['Lock won’t lock anymore', 'urgent'],
    ['Front door will not secure after the storm', 'urgent'],
    ['The lock is stuck unlocked', 'urgent'],
    ['Door does not latch', 'urgent'],
    ['Possible security exposure: the code was shared publicly', 'high'],
    ['Looks like a break-in attempt, scratches on the cylinder', 'high'],
    ['Anyone can open it with any code', 'high'],
    ['The bolt does not move', 'high'],
    ['Deadbolt won’t budge', 'high'],
    ['The bolt is stuck halfway', 'high'],
  ])('%s -> %s', (text, priority) => {
    expect(p(text)).toBe(priority);
  });

  it.each([
    'We are not locked out, the keypad just beeps',
    'Nobody is locked out yet',
    'No one locked out, battery warning only',
    'The keypad is dimmer than usual',
    'The door does not lock automatically any more',
    'The bolt moves fine, the app is slow',
    'There is no security issue, only a slow app',
  ])('%s -> nothing urgent', (text) => {
    expect(p(text)).toBeNull();
  });

  it('a negation reaches only its own clause', () => {
    expect(p('Not a battery problem, but the tenant is locked out')).toBe('urgent');
    expect(p('The app is not working; the resident is locked out')).toBe('urgent');
  });

  it('names the phrases that counted, and the most urgent wins', () => {
    expect(urgencyFromText('The bolt does not move and the owner is locked out')).toEqual({
      priority: 'urgent',
      reasons: ['locked out', 'stuck bolt'],
    });
  });
});

describe('a report’s priority', () => {
  it('is the higher of the symptom codes’ and the words’', () => {
    expect(reportPriority([], 'Keypad dead')).toBe('normal');
    expect(reportPriority([], 'Keypad dead and the tenant is locked out')).toBe('urgent');
    expect(reportPriority(['locked_out'], 'Keypad dead, not urgent')).toBe('urgent');
    expect(reportPriority(['no_response'], 'The bolt does not move')).toBe('high');
    expect(reportPriority(['bolt_stiff_or_jams'], 'We are not locked out')).toBe('normal');
  });
});
