import { describe, expect, it } from '@jest/globals';
import { SYMPTOM_CODES, type SymptomCode } from './codes.js';
import { extractFromText, normalizeText } from './text.js';

/** Several everyday phrasings per symptom; every contract symptom must be reachable from text. */
const PHRASES: Record<SymptomCode, string[]> = {
  no_response: [
    'The lock is completely dead.',
    'No lights, nothing.',
    "It's not beeping at all",
    "The lock doesn't respond to anything",
    'Lock stopped working completely',
  ],
  keypad_unresponsive: [
    'The keypad is dark',
    "Keypad won't light up",
    'Pressing the buttons does nothing',
    'touchscreen is blank',
  ],
  app_command_fails: [
    "The app won't unlock the door",
    'Unlock command times out',
    "Alexa can't lock it anymore",
    'App says unlocking but then nothing',
  ],
  app_shows_offline: [
    'Shows offline in the app',
    'The lock keeps failing to connect',
    'Lock is unavailable in Google Home',
    "Can't find the lock in the app",
  ],
  intermittent_or_slow: [
    'It only works sometimes',
    'Takes forever to unlock from the app',
    'Hit or miss every morning',
  ],
  low_battery_warning: [
    'Low battery warning on the app',
    'The batteries are dying',
    'Red battery icon is flashing',
  ],
  motor_runs_bolt_stuck: [
    'I can hear the motor but the bolt does not move',
    'Deadbolt only goes halfway out',
    'The motor whirs but the deadbolt stays put',
  ],
  bolt_stiff_or_jams: ['Lock jammed again', 'The deadbolt is stiff', "The thumbturn won't turn"],
  grinding_noise: ['There is a grinding noise', 'Weird clicking sound from inside the lock'],
  door_wont_latch: [
    "The door won't lock",
    'Latch is hitting the strike plate',
    'I have to push the door to get it to lock',
  ],
  code_rejected: [
    'Code not accepted',
    "My PIN doesn't work anymore",
    'Keypad flashes red when I enter my code',
    'The guest code is rejected',
  ],
  fingerprint_rejected: [
    'Fingerprint not recognised',
    "The reader won't read my finger",
    'fingerprint keeps failing',
  ],
  key_wont_turn: [
    "The key won't turn",
    "Can't turn the key in the lock",
    'The keyhole feels gritty and stiff',
  ],
  key_broken_in_lock: [
    'Key snapped in the lock',
    'Half of the key is stuck inside',
    'I broke the key',
  ],
  started_after_update: ['It started after the update', 'Since the firmware update it acts up'],
  started_after_battery_change: [
    'After I changed the batteries it acts weird',
    'Changed batteries yesterday and now it beeps',
  ],
  started_after_network_change: ['We got a new router', 'We changed the wifi password last week'],
  wrong_auto_lock_behaviour: [
    'Auto-lock is not working',
    'The lock unlocks by itself at night',
    'Scheduled codes work an hour late',
  ],
  visible_damage: [
    'The housing is cracked',
    'There was a break-in attempt',
    'Visible damage to the frame',
  ],
  reset_did_not_help: [
    "I restarted it but it didn't help",
    'Already tried a factory reset',
    'Rebooted twice, still the same problem',
  ],
  locked_out: ["We're locked out", "The tenant can't get in", 'Guest is stuck outside'],
};

describe('extractFromText', () => {
  it('reaches every contract symptom from free text', () => {
    for (const code of SYMPTOM_CODES) {
      expect(PHRASES[code].length).toBeGreaterThan(0);
      for (const phrase of PHRASES[code]) {
        const got = extractFromText(phrase).symptoms;
        if (!got.includes(code))
          throw new Error(`"${phrase}" did not yield ${code}: ${got.join(', ')}`);
      }
    }
  });

  it('understands the phrases the product promises', () => {
    const cases: [string, SymptomCode][] = [
      ['no lights', 'no_response'],
      ['not beeping', 'no_response'],
      ["won't turn", 'bolt_stiff_or_jams'],
      ["doesn't respond", 'no_response'],
      ['dead', 'no_response'],
      ['keypad is dark', 'keypad_unresponsive'],
      ['code not accepted', 'code_rejected'],
      ['jammed', 'bolt_stiff_or_jams'],
      ['grinding', 'grinding_noise'],
      ["door won't lock", 'door_wont_latch'],
      ['after the update', 'started_after_update'],
      ['new router', 'started_after_network_change'],
      ['changed batteries', 'started_after_battery_change'],
      ["can't get in", 'locked_out'],
      ['key snapped', 'key_broken_in_lock'],
    ];
    for (const [phrase, code] of cases) expect(extractFromText(phrase).symptoms).toContain(code);
  });

  it('says which phrases matched', () => {
    const r = extractFromText('The keypad is dark and the key snapped.');
    expect(r.matches).toEqual(
      expect.arrayContaining([
        { symptom: 'keypad_unresponsive', phrase: 'keypad is dark' },
        { symptom: 'key_broken_in_lock', phrase: 'key snapped' },
      ]),
    );
  });

  it('lets a specific phrase win over a generic one on the same words', () => {
    const r = extractFromText('The keypad is dead');
    expect(r.symptoms).toEqual(['keypad_unresponsive']);
  });

  it('does not trigger on negated phrases', () => {
    const cases: [string, SymptomCode][] = [
      ["We're not locked out, just annoyed", 'locked_out'],
      ['No grinding or clicking at all', 'grinding_noise'],
      ['It has never jammed', 'bolt_stiff_or_jams'],
      ["It isn't offline", 'app_shows_offline'],
      ['There is no visible damage', 'visible_damage'],
      ['no low battery warning', 'low_battery_warning'],
      ["I haven't changed the batteries", 'started_after_battery_change'],
      ['Do I need new batteries?', 'started_after_battery_change'],
      ['Should I reset it?', 'reset_did_not_help'],
    ];
    for (const [phrase, code] of cases) {
      const r = extractFromText(phrase);
      if (r.symptoms.includes(code)) throw new Error(`"${phrase}" wrongly yielded ${code}`);
    }
    expect(extractFromText('no grinding').negated).toEqual([
      { symptom: 'grinding_noise', phrase: 'grinding' },
    ]);
  });

  it('keeps negation inside its clause', () => {
    const r = extractFromText("There's no damage, but it's jammed and we can't get in.");
    expect(r.symptoms).toEqual(expect.arrayContaining(['bolt_stiff_or_jams', 'locked_out']));
    expect(r.symptoms).not.toContain('visible_damage');
    // "no longer" is a change, not a denial.
    expect(extractFromText('It no longer unlocks on schedule').symptoms).toContain(
      'wrong_auto_lock_behaviour',
    );
  });

  it('does not take another device dying for the lock dying', () => {
    expect(extractFromText('Our old hub died, the new one is installed').symptoms).not.toContain(
      'no_response',
    );
  });

  it('reads a failed battery swap as a tried step, not as the trigger', () => {
    const still = extractFromText('Still dead even with fresh batteries');
    expect(still.failedSteps).toEqual(['replace_batteries']);
    expect(still.symptoms).not.toContain('started_after_battery_change');
    const since = extractFromText('Since I put new batteries in, it will not power on');
    expect(since.symptoms).toContain('started_after_battery_change');
    expect(since.failedSteps).toEqual([]);
  });

  it('notes steps the reporter already tried', () => {
    expect(extractFromText('Factory reset did not help').impliedSteps).toEqual([
      'restart_lock_and_app',
      'factory_reset',
    ]);
  });

  it('picks up a stated battery level and cause hints', () => {
    const r = extractFromText('The app says battery at 4% and we use rechargeable AA batteries');
    expect(r.batteryPercent).toBe(4);
    expect(r.hints.map((h) => h.cause)).toContain('battery_installation');
  });

  it('normalises contractions and spellings', () => {
    expect(normalizeText("It WON'T lock; Wi-Fi can’t connect; auto-lock")).toBe(
      'it wont lock; wifi cant connect; autolock',
    );
    expect(normalizeText('does not, will not, cannot')).toBe('doesnt, wont, cant');
  });

  it('gives the same answer with and without the rule prefilter', () => {
    const texts = Object.values(PHRASES).flat();
    texts.push(
      'Batteries drain every few weeks and the bolt sticks in the strike plate in summer.',
      'Wired maglock stopped holding the door; two other doors on the same supply are out.',
    );
    for (const t of texts) {
      expect(extractFromText(t)).toEqual(extractFromText(t, { prefilter: false }));
    }
  });

  it('returns nothing for empty text', () => {
    expect(extractFromText('   ').symptoms).toEqual([]);
  });
});
