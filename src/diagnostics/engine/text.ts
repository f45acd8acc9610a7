/**
 * Free-text symptom extraction: phrase and synonym rules over a normalised description, with
 * negation ("no grinding", "not locked out") and modality ("need new batteries") handled per
 * clause. Rules run in priority order and each claims the span it matched, so a specific phrase
 * ("keypad is dead") wins over a generic one ("dead") on the same words.
 */
import type { CauseCode, StepCode, SymptomCode } from './codes.js';

export interface TextMatch {
  symptom: SymptomCode;
  phrase: string;
}

export interface TextHint {
  cause: CauseCode;
  phrase: string;
  /** Likelihood ratio the phrase lends the cause (soft evidence, never exclusive). */
  ratio: number;
}

export interface TextExtraction {
  /** Symptoms found, in first-seen order, deduplicated. */
  symptoms: SymptomCode[];
  matches: TextMatch[];
  /** Phrases that matched a symptom rule but were negated or hypothetical, so did not count. */
  negated: TextMatch[];
  hints: TextHint[];
  /** Steps the text says were already done (they leave the plan; the symptom carries the evidence). */
  impliedSteps: StepCode[];
  /** Steps the text says were done without fixing it ("still dead with fresh batteries"). */
  failedSteps: StepCode[];
  /** A battery level stated in the text ("battery at 4%"), when there is one. */
  batteryPercent?: number;
  /**
   * Details that make a step more likely to fix a cause ("5 GHz" -> verify_network_settings fixes
   * a Wi-Fi fault): the sub-cause the text names is the one that step addresses.
   */
  stepHints: { step: StepCode; cause: CauseCode; fix: number; phrase: string }[];
}

interface Rule {
  symptoms: SymptomCode[];
  re: RegExp;
  /** The same pattern, sticky: tried only where a match can start (see anchoredStarts). */
  sticky: RegExp;
  /** Word prefixes any match starts with (null: unknown, always run). See anchorsOf. */
  anchors: string[] | null;
  /** Longer word prefixes any match starts with: where it is tried (see anchoredStarts). */
  starts: string[] | null;
  /** Describes an event ("changed the batteries"): also cancelled by modal words ("need to"). */
  factual: boolean;
  implies?: (phrase: string) => StepCode[];
}

interface HintRule {
  cause: CauseCode;
  ratio: number;
  re: RegExp;
  sticky: RegExp;
  anchors: string[] | null;
  starts: string[] | null;
}

// Shared vocabulary fragments (normalised text: lower case, "n't" -> "nt", "will not" -> "wont").
const NEG_VERB =
  '(?:doesnt|dont|wont|isnt|arent|didnt|wasnt|werent|cant|couldnt|wouldnt|hasnt|havent|never|no longer|stopped|fails? to|failed to|failing to|keeps failing to|unable to|not)';
const DET = '(?:the |my |our |a |an |his |her |their |its |this |that |any |all |all the |)';
const CODE_WORD =
  '(?:pin code|access code|user code|entry code|door code|guest code|master code|passcode|keycode|code|pin)s?';
const RESET_VERB =
  '(?:factory[ ]?reset(?:ting)?|hard reset(?:ting)?|master reset|soft reset|reset(?:ting)?|restart(?:ed|ing)?|reboot(?:ed|ing)?|power[ ]?cycl(?:e|ed|ing)|reinstall(?:ed|ing)?|re-?install(?:ed|ing)?)';
const APP_WORD =
  '(?:app|application|phone|alexa|google home|google assistant|siri|homekit|home app|smartthings|home assistant|hubitat)';
const BATTERY_WORD = '(?:batteries|battery|cells|aa batteries|aaa batteries|aas|battery pack)';

function rule(
  symptoms: SymptomCode | SymptomCode[],
  patterns: string[],
  options: { factual?: boolean; implies?: (phrase: string) => StepCode[] } = {},
): Rule {
  return {
    symptoms: Array.isArray(symptoms) ? symptoms : [symptoms],
    re: new RegExp(`\\b(?:${patterns.join('|')})\\b`, 'g'),
    sticky: new RegExp(`\\b(?:${patterns.join('|')})\\b`, 'y'),
    ...anchorsAndStarts(patterns),
    factual: options.factual ?? false,
    implies: options.implies,
  };
}

function hint(cause: CauseCode, ratio: number, patterns: string[]): HintRule {
  return {
    cause,
    ratio,
    re: new RegExp(`\\b(?:${patterns.join('|')})\\b`),
    sticky: new RegExp(`\\b(?:${patterns.join('|')})\\b`, 'y'),
    ...anchorsAndStarts(patterns),
  };
}

// ---- Prefilter -------------------------------------------------------------------------------
// Every pattern starts at a word boundary, so a match begins with the first letters of some
// word of the text. A small analysis of each pattern's possible first letters (up to three)
// lets extraction skip the rules whose first words do not occur: most rules, for most reports.

const LITERAL = /[a-z0-9%,'-]/;
const QUANTIFIER = /[?*{]/;
const PREFIX_LEN = 3;

function skipClass(src: string, i: number): number {
  while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
  return i;
}

function closingParen(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === '\\') i++;
    else if (ch === '[') i = skipClass(src, i);
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

function splitAlternatives(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\') i++;
    else if (ch === '[') i = skipClass(body, i);
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      out.push(body.slice(from, i));
      from = i + 1;
    }
  }
  out.push(body.slice(from));
  return out;
}

/**
 * The word prefixes (1-3 characters, no spaces) that any match of `src` must start with, or
 * null when the pattern starts with something this analysis does not follow.
 */
function prefixes(src: string, depth = 0, maxLen = PREFIX_LEN): string[] | null {
  if (depth > 16) return null;
  if (src.startsWith('\\b')) return prefixes(src.slice(2), depth + 1, maxLen);
  if (src === '' || src[0] === ' ') return null;
  if (src.startsWith('(?:')) {
    const close = closingParen(src, 0);
    if (close < 0) return null;
    let after = close + 1;
    const q = src[after]!;
    let optional = false;
    if (q === '?' || q === '*') {
      optional = true;
      after++;
    } else if (q === '{') {
      optional = src.startsWith('{0', after);
      after = src.indexOf('}', after) + 1;
      if (after === 0) return null;
    } else if (q === '+') after++;
    const rest = src.slice(after);
    const out: string[] = [];
    for (const alt of splitAlternatives(src.slice(3, close))) {
      const r = prefixes(alt + rest, depth + 1, maxLen);
      if (r === null) return null;
      out.push(...r);
    }
    if (optional) {
      const r = prefixes(rest, depth + 1, maxLen);
      if (r === null) return null;
      out.push(...r);
    }
    return out;
  }
  let run = '';
  for (let i = 0; i < src.length && run.length < maxLen; i++) {
    const ch = src[i]!;
    if (!LITERAL.test(ch)) break;
    const next = src[i + 1]!;
    if (next !== undefined && QUANTIFIER.test(next)) break;
    run += ch;
    if (next === '+') break;
  }
  return run === '' ? null : [run];
}

function anchorsOf(patterns: string[], maxLen = PREFIX_LEN): string[] | null {
  const out = new Set<string>();
  for (const p of patterns) {
    // A pattern with a top-level alternative would need each side analysed: leave it unknown.
    if (splitAlternatives(p).length !== 1) return null;
    const r = prefixes(p, 0, maxLen);
    if (r === null) return null;
    for (const a of r) out.add(a);
  }
  return [...out];
}

/** anchor -> indices of the rules that may match a word starting with it. */
function indexAnchors(rules: readonly { anchors: string[] | null }[]): {
  byAnchor: Map<string, number[]>;
  always: number[];
} {
  const byAnchor = new Map<string, number[]>();
  const always: number[] = [];
  rules.forEach((r, i) => {
    if (r.anchors === null) {
      always.push(i);
      return;
    }
    for (const a of r.anchors) {
      const list = byAnchor.get(a);
      if (list) list.push(i);
      else byAnchor.set(a, [i]);
    }
  });
  return { byAnchor, always };
}

/** Rules a word may start a match of, per index. */
type AnchorIndex = ReturnType<typeof indexAnchors>;
/** Distinct windows remembered; past this the memo starts afresh (bounded memory). */
const WORD_MEMO_LIMIT = 20_000;
const NO_RULES: readonly number[] = [];

// ---- Where a match can start ------------------------------------------------------------------
// A rule's pattern starts with \b and, by the same analysis with longer prefixes (up to
// START_LEN characters), with one of its `starts`. When they all begin with a letter or digit, a
// match can only begin where a run of letters and digits starts and the text there begins with
// one of them. So instead of scanning the whole text with each rule the prefilter selects, the
// sticky copy of its pattern is tried at those positions only, in order: the matches are the ones
// a scan finds (leftmost first, each search resuming after the last match).

const START_LEN = 12;
/** Prefixes made of word characters (no separator inside: the prefilter splits at /[\s.,;:!?]+/). */
const WORD_ANCHOR = /^[a-z0-9][a-z0-9%'-]*$/;

/**
 * A rule's anchors (for the prefilter) and starts. A rule with an anchor that is not a word
 * prefix (none today) gets neither, so it always runs, by a scan of the whole text; one whose
 * starts are not word prefixes runs by a scan when the prefilter selects it.
 */
function anchorsAndStarts(patterns: string[]): {
  anchors: string[] | null;
  starts: string[] | null;
} {
  const anchors = anchorsOf(patterns);
  if (anchors === null || !anchors.every((a) => WORD_ANCHOR.test(a)))
    return { anchors: null, starts: null };
  const starts = anchorsOf(patterns, START_LEN);
  return {
    anchors,
    starts: starts !== null && starts.every((a) => WORD_ANCHOR.test(a)) ? starts : null,
  };
}

/** What a run of letters, digits and '%' selects: flags (prefilter) and starts, per rule and hint. */
interface Anchored {
  ruleFlags: readonly number[];
  hintFlags: readonly number[];
  ruleStarts: readonly number[];
  hintStarts: readonly number[];
}
const NOT_ANCHORED: Anchored = {
  ruleFlags: NO_RULES,
  hintFlags: NO_RULES,
  ruleStarts: NO_RULES,
  hintStarts: NO_RULES,
};

function prefixHits(w: string, index: AnchorIndex): readonly number[] {
  let found: number[] | null = null;
  const top = Math.min(PREFIX_LEN, w.length);
  for (let len = 1; len <= top; len++) {
    const hit = index.byAnchor.get(w.slice(0, len));
    if (hit) (found ??= []).push(...hit);
  }
  return found ?? NO_RULES;
}

/** The rules (indices) with a start that `w` begins with. */
function startHits(w: string, rules: readonly { starts: string[] | null }[]): readonly number[] {
  let found: number[] | null = null;
  for (let i = 0; i < rules.length; i++) {
    const starts = rules[i]!.starts;
    if (starts !== null && starts.some((a) => w.startsWith(a))) (found ??= []).push(i);
  }
  return found ?? NO_RULES;
}

function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57); // \w of normalised text
}

function isRunCode(c: number): boolean {
  return isWordCode(c) || c === 37; // '%': the characters an anchor or a start can hold here
}

/** The word prefilter's flags and, per flagged rule and hint, where a match can start. */
interface Anchoring {
  ruleOn: Uint8Array;
  hintOn: Uint8Array;
  ruleStarts: (number[] | undefined)[];
  hintStarts: (number[] | undefined)[];
}

function addStart(lists: (number[] | undefined)[], i: number, p: number): void {
  const list = lists[i];
  if (list === undefined) lists[i] = [p];
  else list.push(p);
}

/**
 * One pass over the normalised text. At each start of a run of letters and digits, the run of
 * letters, digits and '%' there (all an anchor or a start can match in normalised text) selects,
 * through a memo, the rules and hints it flags and those that may match there. The flags are
 * those of a word prefilter over the text split at /[\s.,;:!?]+/ (each word's 1..3-letter
 * prefixes looked up among the anchors): such a word starts a run of letters and digits, unless
 * it starts with '%', and no anchor does.
 */
function anchoredStarts(text: string): Anchoring {
  const ruleOn = new Uint8Array(RULES.length);
  const hintOn = new Uint8Array(HINT_RULES.length);
  for (const i of RULE_INDEX.always) ruleOn[i] = 1;
  for (const i of HINT_INDEX.always) hintOn[i] = 1;
  const ruleStarts: (number[] | undefined)[] = [];
  const hintStarts: (number[] | undefined)[] = [];
  const n = text.length;
  let prevWord = false;
  for (let p = 0; p < n; p++) {
    const word = isWordCode(text.charCodeAt(p));
    if (word && !prevWord) {
      let end = p + 1;
      while (end < n && end - p < START_LEN && isRunCode(text.charCodeAt(end))) end++;
      const key = text.slice(p, end);
      let a = ANCHORED_MEMO.get(key);
      if (a === undefined) {
        a = {
          ruleFlags: prefixHits(key, RULE_INDEX),
          hintFlags: prefixHits(key, HINT_INDEX),
          ruleStarts: startHits(key, RULES),
          hintStarts: startHits(key, HINT_RULES),
        };
        if (
          a.ruleFlags.length + a.hintFlags.length + a.ruleStarts.length + a.hintStarts.length ===
          0
        )
          a = NOT_ANCHORED;
        if (ANCHORED_MEMO.size >= WORD_MEMO_LIMIT) ANCHORED_MEMO.clear();
        ANCHORED_MEMO.set(key, a);
      }
      if (a !== NOT_ANCHORED) {
        // A word of the split (the prefilter's unit), not a run after a '%' inside one.
        if (p === 0 || text.charCodeAt(p - 1) !== 37) {
          for (const i of a.ruleFlags) ruleOn[i] = 1;
          for (const i of a.hintFlags) hintOn[i] = 1;
        }
        for (const i of a.ruleStarts) addStart(ruleStarts, i, p);
        for (const i of a.hintStarts) addStart(hintStarts, i, p);
      }
    }
    prevWord = word;
  }
  return { ruleOn, hintOn, ruleStarts, hintStarts };
}

/** Runs of letters, digits and '%' seen so far -> what they select (bounded, as a memo). */
const ANCHORED_MEMO = new Map<string, Anchored>();

/**
 * The next match of a sticky pattern at one of `starts` (ascending) from position `from`, or
 * null: what a global search from `from` finds when matches can only begin at those positions.
 */
function matchFrom(
  sticky: RegExp,
  text: string,
  starts: readonly number[] | undefined,
  from: number,
): RegExpExecArray | null {
  if (starts === undefined) return null;
  for (const p of starts) {
    if (p < from) continue;
    sticky.lastIndex = p;
    const m = sticky.exec(text);
    if (m !== null) return m;
  }
  return null;
}

/** Specific before generic: the first rule to match a span owns it. */
const RULES: Rule[] = [
  // Other devices dying or going offline are not the lock dying: claim those words first.
  rule(
    [],
    [
      '(?:(?:old|spare|other|previous) )?(?:hub|radio|router|phone|iphone|android|bridge|gateway|modem|internet|laptop|tablet|car|flashlight|remote|fob|doorbell|camera)(?:(?!\\bbut\\b|\\band\\b)[^.;!?]){0,25}?(?:died|dead|has died|is dead|went dead|stopped working|broke)',
    ],
  ),
  rule('key_broken_in_lock', [
    'key (?:has |had |just |)(?:snapped|broke|broken|sheared|cracked|split)',
    '(?:broken|snapped|sheared) (?:off )?key',
    `broke ${DET}key`,
    `(?:half|part|piece|tip|end|bit|stub|rest|blade) of ${DET}(?:broken |)key`,
  ]),
  rule('key_wont_turn', [
    `key ${NEG_VERB} (?:turn|rotate|go in|go all the way in|fit|insert|work|budge|move|open)`,
    `(?:cant|couldnt|unable to|hard to|difficult to|struggle to|struggling to|trouble) (?:turn|turning|rotate|insert|inserting|use|using|get) ${DET}(?:physical |)key`,
    `(?:cant|couldnt|unable to) get ${DET}key (?:in|to turn|to work)`,
    'key (?:is |gets |feels |got |is getting |has gotten |has become |)(?:stuck|stiff|hard to turn|harder to turn|difficult to turn|jammed|frozen|sticking|sticks)',
    '(?:jiggle|jiggling|jiggled|wiggle|wiggling|wiggled|force|forcing)[^.;!?]{0,20}?key',
    'key[^.;!?]{0,40}?(?:jiggle|jiggling|wiggle|wiggling)',
    '(?:cylinder|keyhole|keyway|key hole|key way) (?:is |feels |seems |)(?:stiff|stuck|jammed|blocked|frozen|sticky|gritty|hard)',
    'key (?:only )?turns (?:half ?way|part ?way|partially|a little)',
    'key goes in but',
    '(?:stiff|sticky|frozen|blocked|jammed) (?:keyhole|key hole|cylinder|keyway)',
  ]),
  rule('code_rejected', [
    `${CODE_WORD} (?:is |was |are |were |gets |get |keeps being |keep being |got |)(?:rejected|refused|denied|not accepted|invalid|incorrect|not recogni[sz]ed|not working|not valid|no good)`,
    `${CODE_WORD} (?:${NEG_VERB}|keeps failing|failing|fail|fails|failed)(?: (?:work|working|accepted|be accepted|unlock|unlocking|open|opening|register))?`,
    `${NEG_VERB} (?:accept|accepting|take|taking|recogni[sz]e|recogni[sz]ing|work with|open with|opening with|unlock with) ${DET}${CODE_WORD}`,
    `(?:wrong|invalid|incorrect|rejected|expired|unrecogni[sz]ed|bad) ${CODE_WORD}`,
    `${CODE_WORD} (?:has |have |)expired`,
    `(?:forgot|forgotten|lost|dont know|dont remember|cant remember) ${DET}(?:master |programming |admin |user |)${CODE_WORD}`,
    `(?:enter|entered|entering|type|typed|typing|punch|punched|key in|keyed in|input|try|tried|trying) (?:in )?${DET}(?:correct |right |)${CODE_WORD}[^.;!?]{0,30}?(?:red|flash(?:es|ing)?|error|three beeps|3 beeps|beeps? twice|nothing happens|doesnt|wont|not|fails|failed|rejected|denied)`,
    '(?:access|entry) denied',
    `${CODE_WORD}[^.;!?]{0,25}?(?:red flash|flash(?:es|ing)? red|red light|red x|three beeps|3 beeps|beeps three times|error beep)`,
    `(?:flash(?:es|ing)?|blinks?|blinking|lights?|shows?|showing) (?:a |)red[^.;!?]{0,30}?(?:enter|enters|entered|type|types|typed|punch|punches|try|tries|tried) ${DET}${CODE_WORD}`,
    `(?:ignores|ignoring|rejects|rejecting|refuses|refusing|wont take|will not take|not taking|wont accept|not accepting) ${DET}(?:my |our |)${CODE_WORD}`,
  ]),
  rule('fingerprint_rejected', [
    `(?:fingerprints?|thumbprints?|biometrics?|fingers?|thumbs?)(?: (?:reader|sensor|scanner|id|pad))? (?:${NEG_VERB}|keeps failing|keeps getting rejected|keeps being rejected|fails|failing|rejects?|rejected|keeps rejecting|is rejected|is not recogni[sz]ed|not recogni[sz]ed|unrecogni[sz]ed|error|mismatch)`,
    `${NEG_VERB} (?:recogni[sz]e|recogni[sz]ing|read|reading|accept|accepting|scan|scanning|register|registering) ${DET}(?:fingerprints?|fingers?|thumbs?|thumbprints?)`,
    '(?:fingerprint|biometric) (?:reader|sensor|scanner) (?:is |)(?:dead|broken|dark|unresponsive)',
  ]),
  rule('keypad_unresponsive', [
    '(?:keypad|keyboard|touchscreen|touchpad|screen|display|buttons|number pad|digits|backlight|keypad lights?|keypad backlight) (?:is |are |was |were |went |goes |has gone |seems |seem |looks |look |stays |stay |remains |just |completely |totally |)(?:completely |totally |)(?:dead|dark|blank|black|unresponsive|not responding|frozen|unlit|not lit|not lighting up|not working|not lighting)',
    `(?:keypad|touchscreen|touchpad|screen|display|buttons|backlight|number pad|digits|numbers)(?: lights?)? ${NEG_VERB} (?:light up|light|come on|turn on|respond|responding|react|work|working|register|registering|wake|wake up|beep|do anything|show|glow|illuminate|accept input|take input)`,
    '(?:no|zero) (?:response|reaction|lights?|backlight|beeps?|sound) (?:from|on) (?:the |)(?:keypad|touchscreen|screen|buttons|keys)',
    '(?:dead|dark|blank|unresponsive|frozen|unlit) (?:keypad|touchscreen|screen|buttons|display)',
    '(?:keypad|touchscreen|screen|buttons)[^.;!?]{0,20}?(?:does nothing|do nothing|did nothing|nothing happens)',
    '(?:pressing|press|pressed|touching|touch|tapping|tap|tapped) (?:the |any |)(?:buttons?|keys|keypad|numbers|digits|screen|touchscreen)[^.;!?]{0,20}?(?:nothing|no response|no light|doesnt|dont|does nothing)',
    'keypad (?:flashes|flickers|lights up) (?:briefly |)(?:then|and then) (?:goes|went|fades|dies)',
    `(?:cant|unable to|couldnt) (?:enter|type|input) ${DET}(?:code|pin)`,
  ]),
  rule(
    'reset_did_not_help',
    [
      `${RESET_VERB}[^.;!?]{0,30}?(?:didnt|doesnt|hasnt|havent|wont|did not) (?:help|work|fix|solve|change|do anything|resolve|make a difference)`,
      `${RESET_VERB}[^.;!?]{0,30}?(?:made no difference|makes no difference|no difference|no change|no luck|to no avail|nothing changed|same (?:problem|issue|thing)|problem persists|issue persists|still)`,
      `(?:tried|already|even|did|done|attempted|after|have|performed|multiple|several) (?:a |an |the |several |multiple |two |)${RESET_VERB}`,
      `(?:tried|already tried|have tried|even tried) (?:to |)(?:resetting|restarting|rebooting|power cycling|reset|restart|reboot|power cycle)`,
    ],
    {
      factual: true,
      implies: (phrase) =>
        /factory|hard reset|master reset/.test(phrase)
          ? ['restart_lock_and_app', 'factory_reset']
          : ['restart_lock_and_app'],
    },
  ),
  rule(
    'started_after_battery_change',
    [
      `(?:after|since|when) (?:i |we |they |he |she |the tenant |someone |you |)(?:changed|changing|replaced|replacing|swapped|swapping|put in|putting in|installed|installing|inserted|inserting|put|fitted|fitting|change|replace|swap|install|insert) ${DET}(?:new |fresh |)${BATTERY_WORD}`,
      `(?:after|since) ${DET}(?:battery|batteries) (?:change|replacement|swap|was changed|were changed|were replaced|was replaced)`,
      `(?:changed|replaced|swapped|put in|installed|inserted|fitted|put new|tried new|tried fresh) ${DET}(?:new |fresh |)${BATTERY_WORD}`,
      `(?:new|fresh) (?:set of )?${BATTERY_WORD}`,
      '(?:battery|batteries) (?:change|swap|replacement)',
    ],
    { factual: true },
  ),
  rule(
    'started_after_network_change',
    [
      '(?:new|different|replacement|upgraded) (?:wifi |wireless |internet |)(?:router|modem|wifi|network|isp|internet provider|internet service|mesh(?: system| network)?|access point|ssid|gateway|internet|broadband|hub|bridge)',
      `(?:changed|change|changing|reset|updated|switched|replaced|swapped|upgraded|renamed) ${DET}(?:router|modem|wifi|network|isp|internet provider|internet|provider|mesh|access point|gateway|broadband)`,
      `(?:changed|change|changing|reset|updated|renamed) ${DET}(?:wifi|wireless|network|router) (?:password|passwords|ssid|name|settings)`,
      '(?:wifi|network|router|wireless) (?:password|name|ssid|settings?) (?:was |were |has been |got |)(?:changed|reset|updated|is new)',
      `(?:moved|relocated|unplugged|replaced|swapped) ${DET}(?:hub|bridge|router|connect bridge|connect|gateway|wifi bridge|base station|modem|smartthings hub|access point)`,
      'switched (?:to |)(?:a |)(?:new |different |)(?:isp|provider|internet provider|router|mesh|5 ?ghz)',
      `(?:after|since) ${DET}(?:router|isp|internet|wifi|modem|network) (?:change|swap|replacement|upgrade|install|installation|was replaced|was changed)`,
    ],
    { factual: true },
  ),
  rule(
    'started_after_update',
    [
      '(?:firmware|software|app) (?:update|upgrade) (?:failed|stuck|froze|hung|interrupted|didnt finish|did not finish)',
      `(?:after|since|following) ${DET}(?:last |latest |recent |yesterdays |todays |last nights |)(?:firmware |software |app |ios |android |os |system |phone |lock |automatic |auto |overnight |)(?:update|upgrade|updates|upgrades|updating|upgrading)`,
      `(?:updated|upgraded) (?:to |)${DET}(?:latest |new |)(?:firmware|app|software|phone|ios|android|lock|os|version)`,
      '(?:update|upgrade|firmware|new version)s? (?:broke|broken|messed up|caused|bricked|ruined|killed)',
      '(?:firmware|software|app) (?:was |got |has been |)(?:updated|upgraded)',
    ],
    {
      factual: true,
      implies: (phrase) =>
        /firmware (?:update|upgrade) (?:failed|stuck|froze|hung|interrupted|didnt|did not)/.test(
          phrase,
        )
          ? ['update_firmware']
          : [],
    },
  ),
  rule(
    ['app_shows_offline', 'intermittent_or_slow'],
    [
      '(?:keeps|kept|keep) (?:dropping|disconnecting|going offline|losing (?:the |its |)(?:connection|signal|wifi|network)|dropping off|falling off)(?: (?:the |)(?:network|wifi|connection))?',
    ],
  ),
  rule(
    ['app_command_fails', 'app_shows_offline'],
    [
      `${APP_WORD}[^.;!?]{0,25}?(?:${NEG_VERB}|cannot|isnt able to) (?:connect|connecting|find|see|detect|reach|pair|communicate)`,
    ],
  ),
  rule('app_command_fails', [
    `${APP_WORD}[^.;!?]{0,25}?(?:${NEG_VERB}|cannot|isnt able to) (?:lock|unlock|work|working|control|operate|open|respond|responding|do anything)`,
    `(?:lock|unlock)(?:ing)? (?:from|via|through|with|using|in|on) ${DET}(?:app|phone|alexa|google home|homekit|smartthings|home app)[^.;!?]{0,20}?(?:doesnt|dont|wont|fails|failed|isnt|not|never|nothing|times out|timed out|error)`,
    `(?:cant|cannot|couldnt|unable to|impossible to) (?:lock|unlock|open|operate|control) (?:it |the lock |the door |)(?:from|with|via|using|through|in|on) ${DET}(?:app|phone|alexa|google|homekit|smartthings|home app)`,
    '(?:command|commands|request|requests|operation|action)s? (?:fail|fails|failed|failing|time out|times out|timed out|timing out|dont go through|never go through|dont work)',
    '(?:timed out|time ?out|timeout error|operation failed|failed to (?:lock|unlock)|unable to (?:lock|unlock)|(?:lock|unlock)(?:ing)? failed)',
    '(?:app|it) (?:just |)(?:spins|keeps spinning|hangs|keeps loading)',
    `(?:remote|remotely) (?:lock|unlock|locking|unlocking|access|control)[^.;!?]{0,15}?(?:doesnt|dont|wont|fails|failed|not|stopped|isnt)`,
    `autounlock ${NEG_VERB}`,
    '(?:error|errors) (?:in|on|from) (?:the |)app',
    'app (?:shows|says|gives|displays|throws) (?:an |)(?:error|failed)',
    '(?:app|it) (?:just |only |)(?:says|shows|keeps saying|stuck on|sits on|hangs on) (?:unlocking|locking)',
    `(?:only|just) (?:connects|works|responds|unlocks|locks|pairs) (?:when|if) (?:i am |im |i stand |i m |standing |we are |were |)(?:right |)(?:next to|near|beside|close to|at|in front of|within a few feet of) ${DET}(?:door|lock)`,
  ]),
  rule('app_shows_offline', [
    '(?:offline|unavailable|unreachable|disconnected|disconnects)',
    '(?:lost|loses|losing|lose|dropping|drops|dropped|drop) (?:the |its |)(?:connection|connectivity|wifi|signal|network|pairing)',
    `(?:${NEG_VERB}|wont stay|doesnt stay|cannot) (?:connected|connect|connecting|online|reachable|pair|pairing|sync|syncing)`,
    '(?:setup|set up|pairing|onboarding|connection|joining|adding|inclusion|wifi setup|wifi connection)(?: process)? (?:fails|failed|failing|keeps failing|wont complete|doesnt complete|never completes|times out|timed out|errors out)',
    '(?:no|weak|poor|bad|low) (?:wifi |bluetooth |network |)(?:connection|signal|connectivity)',
    '(?:says|shows|showing) (?:the lock is |lock |its |)(?:not responding|no response)',
    '(?:says|shows|keeps saying|stuck on|stuck at|spins on|sits on) (?:connecting|searching|trying to connect)',
    `(?:wont|doesnt|cant|couldnt|not|never|fails? to|failed to|failing to|unable to) (?:join|include|be included|be added|add|connect to|pair with) ${DET}(?:network|hub|bridge|gateway|hubitat|smartthings|home assistant|google home|alexa|homekit|app|new hub)`,
    `(?:cant|cannot|couldnt|unable to) (?:find|see|detect|discover) ${DET}lock`,
    '(?:hub|bridge|gateway|connect) (?:is |went |shows |says |)(?:offline|down|dead|unplugged)',
  ]),
  rule('motor_runs_bolt_stuck', [
    '(?:motor|gears?|mechanism) (?:runs|running|ran|spins|spinning|spun|whirs|whirrs|whirring|whirred|hums|humming|buzzes|buzzing|sounds|makes (?:a |)(?:noise|sound)|turns|engages|tries|trying)[^.;!?]{0,40}?(?:but|yet|and) (?:the |)(?:bolt|deadbolt|latch|lock|door|it|nothing)[^.;!?]{0,20}?(?:doesnt|dont|wont|isnt|not|never|stays|stuck|only|barely|fails|happens)',
    '(?:hear|hears|heard|can hear) (?:the |a |)(?:motor|whirring|whirr|buzzing|humming|gears)',
    `(?:bolt|deadbolt|latch) (?:${NEG_VERB}|stops|stop) (?:fully |all the way |completely |)(?:extend|extending|retract|retracting|throw|throwing|go all the way|travel|go out|come out|withdraw|engage fully)`,
    '(?:bolt|deadbolt|latch) (?:only |)(?:goes|moves|extends|retracts|travels|gets|comes) (?:out |in |)(?:half ?way|part ?way|partially|partway|halfway|a little|not all the way|not fully)',
    '(?:partially|half ?way|halfway|part ?way|not fully|not all the way) (?:extend|extends|extended|retract|retracts|retracted|lock|locks|locked|unlock|unlocks|unlocked|thrown|engaged|out)',
    '(?:tries|trying|tried|attempts|attempting) to (?:lock|unlock|turn|move)[^.;!?]{0,20}?(?:but|and) (?:fails|stops|cant|doesnt|gives up|reverses|goes back|bounces back)',
    '(?:motor) (?:jam|jams|jammed|stalls|stalling|stalled|strains|straining|struggles|struggling|sounds weak|sounds strained|sounds labou?red|labou?rs|is labou?ring|sounds like it is straining|sounds like its straining)',
    '(?:buzz|buzzes|buzzing|whir|whirs|whirring|hums|humming)(?: sound)? but',
  ]),
  rule('door_wont_latch', [
    `(?:door|lock|deadbolt|bolt|latch|it) (?:${NEG_VERB}) (?:lock|latch|secure|catch|engage|close properly|shut properly|stay locked|stay closed|stay shut|fully lock|lock properly|lock all the way|lock fully)`,
    `(?:latch|bolt|deadbolt)[^.;!?]{0,15}?(?:hits|hitting|catches|catching|rubs|rubbing|scrapes|scraping|misses|missing|strikes|striking|binds on|drags on) (?:on |against |)${DET}(?:strike|strike plate|frame|door frame|jamb|door jamb|plate|hole)`,
    '(?:misaligned|misalignment|out of alignment|not aligned|out of line|doesnt line up|dont line up|wont line up|not lined up|not lining up|off center|off centre)',
    '(?:door|frame) (?:is |has |)(?:sagging|sags|sagged|warped|swollen|swelled|dropped|shifted|settled|out of square)',
    `(?:have|has|need|needs|had) to (?:push|pull|lift|slam|shove|force|lean on|press|hold) (?:on |)${DET}(?:door|handle|knob)`,
    '(?:door|it) (?:pops|springs|swings|bounces|drifts) (?:back )?open',
    '(?:door )?ajar',
    `(?:maglock|mag lock|magnet|magnetic lock|electric strike|strike|lock|it) (?:${NEG_VERB}) (?:hold|holding|secure|securing) ${DET}door`,
    '(?:doesnt|wont|dont) (?:close|shut|latch) (?:properly|all the way|fully|completely)',
    `(?:bolt|deadbolt) (?:doesnt|wont|cant|isnt) (?:fit|go|reach|enter|slide) (?:into|in) ${DET}(?:strike|hole|frame|jamb)`,
  ]),
  rule('bolt_stiff_or_jams', [
    '(?:bolt|deadbolt|latch|thumbturn|knob|lever|handle|turn piece|turnpiece) (?:is |gets |got |keeps getting |feels |seems |)(?:stuck|sticking|stiff|frozen|seized|binding|jammed|hard to turn)',
    `(?:thumbturn|knob|lever|handle|turn piece|bolt|deadbolt) ${NEG_VERB} (?:turn|move|budge|rotate|slide)`,
    '(?:thumbturn|knob|lever|handle|bolt|deadbolt) (?:never|doesnt|wont|didnt) (?:moves?|budges?|turns?)',
    '(?:jam|jams|jammed|jamming)',
    '(?:stiff|stiffer|gritty|sticky|sticking|sticks|binding|binds|seized|hard to turn|hard to move|hard to lock|hard to unlock|difficult to turn|difficult to lock|difficult to unlock|hard to operate)',
    '(?:wont|doesnt|wouldnt|cant) (?:turn|budge|rotate)(?! on| off)',
  ]),
  rule('grinding_noise', [
    'grind(?:s|ing)?',
    '(?:clicking|clicks|clunk|clunking|clunks|clanking|knocking|rattling|rattles|scraping|squeaks|squeaking|squealing|crunching)',
    '(?:strange|weird|odd|loud|funny|unusual|horrible|awful|bad|mechanical|metal|metallic|grating) (?:noise|noises|sound|sounds)',
  ]),
  rule('low_battery_warning', [
    'low[ -]?batt(?:ery|eries)?',
    `${BATTERY_WORD} (?:is |are |was |were |seems |seem |looks |look |reading |reads |shows |showing |)(?:low|dying|dead|flat|drained|empty|critical|critically low|weak|running low|almost dead|nearly dead|getting low|at \\d{1,2} ?%|\\d{1,2} ?%)`,
    `${BATTERY_WORD} (?:warning|alert|light|indicator|icon|notification|message|symbol|led)`,
    'red battery',
    `(?:drains?|draining|drained|eats|eating|chews through|goes through|burning through|burns through) ${DET}${BATTERY_WORD}`,
    `${BATTERY_WORD} (?:drain|drains|die|dies|died|run out|runs out|last only|only last|dont last|wont last)[^.;!?]{0,20}?(?:fast|quickly|quick|weeks|days|every|soon)`,
    `(?:replace|change) ${DET}${BATTERY_WORD} (?:message|warning|alert|notification|prompt)`,
    `(?:dead|dying|flat|drained|low|weak) ${BATTERY_WORD}`,
    '(?:going|goes|went|gone|keeps going) (?:flat|dead)(?: (?:within|after|in) (?:days|a few days|hours|a week|weeks))?',
    `(?:beeps|chirps|chirping|beeping)[^.;!?]{0,20}?${BATTERY_WORD}`,
  ]),
  rule('wrong_auto_lock_behaviour', [
    '(?:autolock|autorelock|auto relock|autounlock)(?: feature| function| setting)?(?: (?:has |)(?:stopped working|isnt working|not working|doesnt work|wont work|quit working|stopped|fails|failed|is off|turned off))?',
    '(?:locks|locked|locking|relocks|relocked|relocking|unlocks|unlocked|unlocking|opens|opened) (?:itself|by itself|on its own|randomly|at random|unexpectedly|automatically|for no reason|in the middle of the night)',
    '(?:schedule|schedules|scheduled|scheduling)',
    '(?:time|timed)[ -]?(?:bound|limited|restricted|based|window)',
    '(?:wrong|incorrect|off|different) (?:time|timezone|time zone|clock|hour|date)',
    '(?:time ?zone|timezone|daylight saving|dst)',
    'clock (?:is |)(?:wrong|off|reset)',
    '(?:guest|temporary|temp|scheduled|recurring|airbnb|cleaner|one time|onetime)[^.;!?]{0,10}?(?:code|codes|access)[^.;!?]{0,25}?(?:early|late|wrong time|outside|expired too|before|still works|still working)',
    `${NEG_VERB} (?:automatically lock|lock automatically|relock|re-lock|auto relock|lock itself|lock by itself|lock on its own)`,
    '(?:keeps|kept) (?:locking|unlocking|relocking)',
    '(?:vacation|privacy|passage|away|lockout) mode',
  ]),
  rule('locked_out', [
    'locked out',
    'lockout',
    'lock(?:ed|s)? (?:me|us|them|her|him|myself|ourselves|themselves|the tenant|the guest|the guests|tenants|guests|residents?|the resident|my (?:wife|husband|kids|son|daughter|family|tenant|guest)) out',
    '(?:cant|couldnt|unable to|can no longer|no way to) (?:get|go) (?:in|inside|into|back in|home)',
    `(?:cant|couldnt|unable to) (?:enter|access|open) ${DET}(?:unit|apartment|flat|home|house|room|building|property|condo|suite|place|front door)`,
    `(?:stuck|stranded|waiting|standing|locked|trapped) (?:outside|out of ${DET}(?:house|home|apartment|unit|flat))`,
    '(?:guests?|tenants?|residents?|cleaners?|visitors?|owners?|family|wife|husband|kids|customers?) (?:cant|couldnt|unable to|are unable to|is unable to|were unable to) (?:get in|get inside|enter|access|open|check in|get into)',
    'no way (?:in|to get in|inside)',
  ]),
  rule('visible_damage', [
    '(?:visible |physical |obvious |water |storm |fire |heat |impact |)(?:damage|damaged)',
    `(?:cracked|broken|bent|dented|smashed|shattered|split|ripped|pried|tampered|forced|kicked|melted|burnt|burned|scorched|corroded|rusted|rusty|hanging|wobbly|missing)(?: off| apart| open| in)? ${DET}(?:housing|cover|case|casing|keypad|screen|display|touchscreen|frame|door frame|doorframe|jamb|door|handle|lever|knob|cylinder|strike|strike plate|plate|escutcheon|trim|faceplate|face plate|deadbolt|bolt|exterior|interior|panel|mount|mounting plate|glass)`,
    '(?:housing|cover|case|casing|keypad|screen|display|touchscreen|frame|door frame|doorframe|jamb|door|handle|lever|knob|cylinder|strike|strike plate|escutcheon|trim|faceplate|exterior|interior|panel|mount|mounting plate|glass|deadbolt)s? (?:is |are |was |were |got |has been |have been |looks |seems |)(?:cracked|broken|bent|dented|smashed|shattered|split|ripped|pried|tampered|forced|kicked in|melted|burnt|burned|scorched|corroded|rusted|rusty|loose|hanging|wobbly|falling off|fell off|came off|coming off)',
    '(?:lock|lock body) (?:is |was |got |has been |looks |seems |)(?:cracked|bent|dented|smashed|shattered|pried|melted|scorched|corroded|rusted|rusty|loose|hanging|wobbly|falling off|fell off|came off|coming off)',
    '(?:break[- ]?in|broke in|burglar|burglary|forced entry|attempted entry|pry marks|tool marks|vandal|vandalised|vandalized|kicked in|tampering)',
  ]),
  rule('intermittent_or_slow', [
    '(?:intermittent|intermittently|sometimes|occasionally|sporadic|sporadically|randomly|at random|hit or miss|hit and miss|on and off|off and on|inconsistent|inconsistently|unreliable|unreliably|flaky|spotty|erratic|erratically|now and then|from time to time|every other time|some days|half the time|most of the time|not always|comes and goes)',
    '(?:slow|sluggish|lag|lags|laggy|lagging|delay|delays|delayed|takes (?:forever|ages|a while|a long time|too long|\\d+ (?:seconds|secs|minutes|mins))|long time to (?:respond|lock|unlock|connect))',
    '(?:several|multiple|a few|many|two|three|2|3) (?:tries|attempts|presses|taps)',
  ]),
  rule('no_response', [
    '(?:completely |totally |entirely |fully |)dead',
    'no (?:lights?|leds?|sound|sounds|beeps?|beeping|power|response|reaction|signs? of life|activity|life)',
    '(?:not|isnt|doesnt|wont|didnt|never|no longer|stopped) (?:respond|responding|react|reacting|beep|beeping|light up|lighting up|turn on|turning on|power on|powering on|powering up|power up|wake|wake up|waking up|do anything|doing anything|make a sound|make any sound|making any sound|work at all|working at all|come on|coming on|light|lit|buzz|buzzing|hum|humming|release|releasing|energi[sz]e)',
    '(?:nothing happens|nothing at all|does nothing|did nothing|zero response|lifeless|bricked|unresponsive|died|has died|no signs of life)',
    '(?:the lock|lock|it|everything|the whole thing) (?:has |just |suddenly |completely |totally |)(?:stopped|quit) working',
    '(?:stopped|quit) working (?:completely|entirely|altogether|at all)',
  ]),
];

const HINT_RULES: HintRule[] = [
  hint('wifi_connectivity', 1.6, [
    'wifi',
    'wireless network',
    'router',
    '2\\.4 ?ghz',
    '5 ?ghz',
    'ssid',
    'mesh',
    'extender',
  ]),
  hint('bluetooth_connectivity', 1.6, ['bluetooth', 'ble', 'bt', 'out of range', 'in range']),
  hint('bluetooth_connectivity', 2.5, [
    `(?:next to|near|beside|close to|right at|in front of|within a few feet of) ${DET}(?:door|lock)`,
    '(?:phone|bluetooth) (?:is |was |)(?:off|disabled|turned off)',
    'battery (?:saver|optimi[sz]ation)',
    'location (?:services|permission|permissions)',
  ]),
  ...(['wifi_connectivity', 'bluetooth_connectivity', 'hub_connectivity'] as const).map((cause) =>
    hint(cause, 1.5, [
      'too far',
      'far away',
      'far end',
      'other end',
      'opposite end',
      'across the house',
      'two floors',
      'another floor',
      'basement',
      'garage',
      'distance',
      'out of range',
      'weak signal',
      'thick walls?',
      'metal door',
    ]),
  ),
  hint('hub_connectivity', 1.6, [
    'zwave',
    'zigbee',
    'thread',
    'matter',
    'hub',
    'smartthings',
    'hubitat',
    'home assistant',
    'homey',
    'vera',
    'ring alarm',
    'gateway',
    'border router',
    'nest connect',
    'bridge',
  ]),
  hint('app_outdated_or_incompatible', 2.5, [
    '(?:ios|android|iphone|phone|os) (?:update|version|upgrade|updated|upgraded)',
    '(?:updated|upgraded) (?:my |the |our |)(?:phone|iphone|ios|android)',
    'new phone',
    'old phone',
    'app version',
    'outdated app',
    'app (?:is |)(?:outdated|old|out of date)',
    'not compatible',
    'incompatible',
  ]),
  // A firmware update is not an app or phone update: the app is not the suspect then.
  hint('app_outdated_or_incompatible', 0.4, [
    'firmware (?:update|upgrade)',
    `(?:updated|upgraded) ${DET}firmware`,
  ]),
  hint('software_glitch', 1.5, [
    'firmware (?:update|upgrade)',
    `(?:updated|upgraded) ${DET}firmware`,
  ]),
  hint('firmware_outdated', 1.5, ['firmware']),
  hint('battery_installation', 3, [
    'rechargeable (?:aa |aaa |nimh |)batter(?:y|ies)',
    'rechargeables',
    'nimh',
    'ni mh',
    'heavy duty',
    'zinc',
    'carbon',
    'off brand',
    'cheap batter(?:y|ies)',
    'wrong batter(?:y|ies)',
    'wrong type',
    'mixed old and new',
    'mixing old and new',
  ]),
  hint('battery_installation', 4, [
    `${BATTERY_WORD}[^.;!?]{0,15}?(?:upside down|backwards|reversed|the wrong way|wrong way round|wrong way around|wrong polarity)`,
    '(?:upside down|backwards|reversed|the wrong way round|the wrong way around)[^.;!?]{0,15}?(?:batteries|battery|cells)',
    'polarity',
    `${BATTERY_WORD} (?:is |are |)(?:loose|rattling|not seated|not clicked in|fell out)`,
    'battery (?:cover|door|compartment) (?:is |)(?:loose|open|not closed)',
  ]),
  hint('battery_installation', 3, [
    '(?:contacts?|terminals?|springs?) (?:are |is |)(?:corroded|bent|loose|dirty|rusty)',
    'corroded',
    'corrosion',
    'leaked',
    'leaking',
  ]),
  hint('battery_installation', 0.4, [
    '(?:right|correct) way (?:round|around|up)',
    'correct polarity',
    '(?:fitted|installed|inserted|put in) (?:correctly|properly|the right way)',
  ]),
  hint('obstruction_debris', 3, [
    'dirt',
    'dirty',
    'dust',
    'dusty',
    'sand',
    'debris',
    'grit',
    'gritty',
    'gunk',
    'grime',
    'paint',
    'painted',
    'repainted',
    'sawdust',
    'insects?',
    'spider',
    'ice',
    'icy',
    'freezing',
    'frost',
    'snow',
    'foreign object',
    'gum',
    'glue',
    'something (?:stuck |lodged |)in',
  ]),
  hint('door_misalignment', 2, [
    'humid',
    'humidity',
    'swollen',
    'swelling',
    'swell',
    'settled',
    'settling',
    'sag',
    'sags',
    'sagging',
    'warped',
    'hinges?',
    'weather ?strip(?:ping)?',
    'summer',
    'seasonal',
    `(?:push|pull|lift|slam|shove) ${DET}door`,
  ]),
  // The door-open test: a bolt that works with the door open points at the door, not the lock.
  hint('door_misalignment', 4, [
    '(?:works|worked|working|fine|perfectly|smooth|smoothly|normally|no problem)[^.;!?]{0,25}?(?:with|when) the door (?:is |)open',
    '(?:with|when) the door (?:is |)open[^.;!?]{0,25}?(?:works|worked|fine|perfectly|smooth|smoothly|normally|no problem)',
  ]),
  hint('door_misalignment', 0.25, [
    'even (?:with|when) the door (?:is |)open',
    '(?:with|when) the door (?:is |)open[^.;!?]{0,25}?(?:still|doesnt|wont|not|same|nothing)',
  ]),
  // Batteries that die in weeks: the motor is fighting a binding bolt (Schlage, Kwikset, Lockly).
  hint('door_misalignment', 2.5, [
    `(?:drains?|draining|eats|eating|chews through|goes through|burns through|going through)[^.;!?]{0,25}?${BATTERY_WORD}`,
    `${BATTERY_WORD} (?:drain|drains|die|dies|last|lasts|only last)[^.;!?]{0,20}?(?:fast|quickly|weeks|days|months)`,
    'every (?:few |two |2 |three |3 |couple of |)(?:weeks|months)',
  ]),
  hint('worn_mechanism', 2.5, [
    'worn',
    'wear',
    'stripped',
    'gears? (?:stripped|broken|slipping|worn|skipping)',
    '(?:years|\\d+ years) old',
    'old lock',
    'used constantly',
    'heavy use',
    'motor (?:is |)(?:dying|failing|burnt|burned out|weak|broken|dead)',
    'broken motor',
    'gearbox',
    'clutch',
    'rhythmic',
  ]),
  hint('electronic_failure', 2.5, [
    'water',
    'rain',
    'moisture',
    'condensation',
    'short(?:ed)? (?:circuit|out)',
    'shorted',
    'circuit board',
    'board',
    'pcb',
    'sparks?',
    'smoke',
    'burning smell',
    'hot to the touch',
    'overheat(?:s|ing|ed)?',
    'lightning',
    'power surge',
    'ghost (?:presses|touches)',
    'phantom (?:presses|touches)',
    'sensor (?:is |)(?:broken|faulty|dead)',
    'defective',
    'faulty',
  ]),
  hint('electronic_failure', 4, [
    'recall(?:ed)?',
    'service program(?:me)?',
    'known defect',
    'defective (?:component|batch|unit|part)',
  ]),
  hint('credential_error', 2.5, [
    `(?:forgot|forgotten|lost|dont know|dont remember|new|wrong) ${DET}(?:code|pin|master code|passcode)`,
    'expired',
    'revoked',
    `deleted ${DET}(?:code|user|access|it)`,
    'removed (?:from|as)',
    'access (?:was |)(?:removed|revoked)',
    'not enrolled',
    'never enrolled',
    're ?enroll',
    're ?register(?:ed)?',
    '(?:wet|dry|cut|dirty|cold) (?:fingers?|skin)',
    'fingers? (?:are |is |)(?:very |)(?:dry|wet|cut|dirty|cold)',
    'gloves',
    'too many (?:wrong |failed |incorrect |)(?:attempts|tries|codes)',
    'wrong code',
    'one time',
    'onetime',
    'only (?:my|one|her|his) (?:fingerprint|finger|code)',
    'everyone else',
    'random buttons',
  ]),
  hint('configuration_error', 2, [
    'time ?zone',
    'timezone',
    'daylight saving',
    'clock',
    'schedules?',
    'one touch',
    'handing',
    'calibrat(?:e|ed|ion)',
    'reinstalled',
    'auto ?lock (?:timer|delay|setting|time)',
    'after (?:the |a |)power (?:outage|cut|failure)',
  ]),
  hint('configuration_error', 4, [
    '(?:vacation|privacy|passage|away|lockout|rain|safe|do not disturb) mode',
    '(?:wrong|opposite|reverse|other) (?:direction|way)',
    'goes backwards',
  ]),
  hint('software_glitch', 2, [
    'frozen',
    'freezes',
    'froze',
    'stuck in a loop',
    'reboot loop',
    'keeps rebooting',
    'glitch',
    'glitchy',
    'bug',
    'buggy',
    'crash',
    'crashes',
    'crashed',
    'weird behaviou?r',
  ]),
  hint('external_power_fault', 2.5, [
    'adapter',
    'power supply',
    'supply',
    'transformer',
    'charger',
    'charging',
    'dock',
    'usb cable',
    'cable',
    'wiring',
    'wires?',
    'breaker',
    'fuse',
    'poe',
    '12 ?v',
    '24 ?v',
    'mains',
    '(?:other|several|multiple|two|three|all the) (?:other |)doors',
  ]),
];

const RULE_INDEX = indexAnchors(RULES);
const HINT_INDEX = indexAnchors(HINT_RULES);

/** For tests: the share of rules and hints that can be skipped by the prefilter. */
export function _prefilterCoverage(): { rules: number; hints: number } {
  return {
    rules: RULES.filter((r) => r.anchors !== null).length / RULES.length,
    hints: HINT_RULES.filter((r) => r.anchors !== null).length / HINT_RULES.length,
  };
}

const NEGATORS = new Set([
  'no',
  'not',
  'never',
  'without',
  'none',
  'nor',
  'neither',
  'isnt',
  'arent',
  'wasnt',
  'werent',
  'dont',
  'doesnt',
  'didnt',
  'hasnt',
  'havent',
  'hadnt',
  'cant',
  'couldnt',
  'wont',
  'wouldnt',
  'zero',
]);
const MODALS = new Set([
  'need',
  'needs',
  'should',
  'shall',
  'will',
  'would',
  'could',
  'might',
  'may',
  'going',
  'gonna',
  'want',
  'wants',
  'plan',
  'planning',
  'if',
  'whether',
  'how',
  'about',
  'supposed',
  'can',
  'try',
  'before',
]);
/** Words that open a new clause: negation does not reach across them. */
const CLAUSE_WORDS = new Set([
  'but',
  'and',
  'though',
  'although',
  'however',
  'yet',
  'then',
  'so',
  'because',
  'while',
  'now',
  'also',
]);
const NEGATION_WINDOW = 4;

const CONTRACTIONS =
  /\b(will|can|does|do|did|is|are|was|were|has|have|had|would|could|should) not\b/g;
const CONTRACTED: Record<string, string> = {
  will: 'wont',
  can: 'cant',
  does: 'doesnt',
  do: 'dont',
  did: 'didnt',
  is: 'isnt',
  are: 'arent',
  was: 'wasnt',
  were: 'werent',
  has: 'hasnt',
  have: 'havent',
  had: 'hadnt',
  would: 'wouldnt',
  could: 'couldnt',
  should: 'shouldnt',
};
/** Spelling variants folded into one token, in one pass: "wi-fi" -> "wifi", "auto lock" -> "autolock". */
const COMPOUNDS =
  /\b(?:wi[\s-]?fi|z[\s-]?wave|auto[\s-]?(re)?lock(?:s|ing|ed)?|auto[\s-]?unlock(?:s|ing|ed)?|key[\s-]?pad|dead[\s-]bolt|finger[\s-]print|thumb[\s-]?turn|touch[\s-]screen|blue[\s-]tooth|cannot|(won|can|don|doesn|isn|didn) t)\b/g;
const COMPOUND_OF: [RegExp, string][] = [
  [/^wi/, 'wifi'],
  [/^z/, 'zwave'],
  [/^auto[\s-]?unlock/, 'autounlock'],
  [/^key/, 'keypad'],
  [/^dead/, 'deadbolt'],
  [/^finger/, 'fingerprint'],
  [/^thumb/, 'thumbturn'],
  [/^touch/, 'touchscreen'],
  [/^blue/, 'bluetooth'],
  [/^cannot/, 'cant'],
];

function compound(m: string, re: string | undefined, neg: string | undefined): string {
  if (neg !== undefined) return `${neg}t`;
  if (m.startsWith('auto') && !/unlock/.test(m)) return `auto${re ?? ''}lock`;
  for (const [test, to] of COMPOUND_OF) if (test.test(m)) return to;
  return m;
}

/** Lower case, apostrophes out, negated auxiliaries contracted, separators as spaces. */
export function normalizeText(text: string): string {
  let t = text.toLowerCase().replace(/[\u2018\u2019\u02bc`´]/g, "'");
  t = t.replace(/n't\b/g, 'nt').replace(/'/g, '');
  t = t.replace(/[^a-z0-9%.,;:!?\s]/g, ' ');
  t = t.replace(/[ \t\r\n]+/g, ' ');
  t = t.replace(CONTRACTIONS, (_m, aux: string) => CONTRACTED[aux] ?? aux);
  t = t.replace(COMPOUNDS, (m: string, re: string | undefined, neg: string | undefined) =>
    compound(m, re, neg),
  );
  return t.trim();
}

const CLAUSE_PUNCTUATION = /[.;:!?,]/;

/** The last words before `end` in the same clause, nearest last. */
function wordsBefore(text: string, end: number): string[] {
  const from = Math.max(0, end - 60);
  let start = from;
  for (let i = end - 1; i >= from; i--) {
    if (CLAUSE_PUNCTUATION.test(text[i]!)) {
      start = i + 1;
      break;
    }
  }
  // "no longer works", "not only": the negator belongs to the phrase, not to what follows.
  const words = text
    .slice(start, end)
    .replace(/\bno longer\b/g, 'nolonger')
    .replace(/\bnot only\b/g, 'notonly')
    .split(' ');
  const out: string[] = [];
  for (let i = words.length - 1; i >= 0 && out.length < NEGATION_WINDOW; i--) {
    const w = words[i]!;
    if (w === '') continue;
    if (CLAUSE_WORDS.has(w)) break;
    out.push(w);
  }
  return out;
}

function isCancelled(text: string, start: number, factual: boolean): boolean {
  for (const w of wordsBefore(text, start)) {
    if (NEGATORS.has(w)) return true;
    if (factual && MODALS.has(w)) return true;
  }
  return false;
}

const DISTANCE =
  /\b(?:too far|far away|far end|other end|opposite end|across the house|two floors|another floor|basement|garage|distance|out of range|weak signal|thick walls?|metal door|extender|mesh)\b/;

const STEP_HINT_RULES: { step: StepCode; cause: CauseCode; fix: number; re: RegExp }[] = [
  {
    step: 'verify_network_settings',
    cause: 'wifi_connectivity',
    fix: 0.85,
    re: /\b(?:2\.4 ?ghz|5 ?ghz|band steering|dual band|ssid|network name|wifi password|router settings|mac filter\w*|guest network|wpa3)\b/,
  },
  { step: 'check_network', cause: 'wifi_connectivity', fix: 0.75, re: DISTANCE },
  { step: 'check_network', cause: 'hub_connectivity', fix: 0.75, re: DISTANCE },
  { step: 'check_network', cause: 'bluetooth_connectivity', fix: 0.7, re: DISTANCE },
  {
    step: 're_pair_device',
    cause: 'hub_connectivity',
    fix: 0.85,
    re: /\b(?:(?:new|replacement|another|second) (?:hub|bridge|gateway|controller)|exclu(?:de|sion)|inclu(?:de|sion)|re ?pair\w*)\b/,
  },
  {
    step: 'check_external_power',
    cause: 'external_power_fault',
    fix: 0.85,
    re: /\b(?:charger|charging|dock|cable|adapter|transformer|power supply|fuse|breaker)\b/,
  },
];

/** Phrases saying a step was already done without fixing it. */
const FAILED_STEP_RULES: { step: StepCode; re: RegExp }[] = [
  {
    step: 'replace_batteries',
    re: /\b(?:even|still)\b[^.;!?]{0,20}?\b(?:after|with)\b[^.;!?]{0,30}?\b(?:charger|charging|charged|recharg\w*)\b/,
  },
  {
    step: 'replace_batteries',
    re: /\b(?:charged|recharged|fully charged)\b[^.;!?]{0,40}?\b(?:still|no change|didnt help|doesnt help|but (?:it |)(?:still|dies|died|goes))\b/,
  },
];

const STILL_BROKEN =
  /\b(?:still|even|didnt help|doesnt help|didnt fix|doesnt fix|didnt work|no change|no difference|no luck|to no avail|same problem|same issue|(?:two|2|three|3|several|multiple|different|another) (?:[a-z]+ ){0,2}(?:sets?|batches|brands|packs))\b/;

function sentenceAround(text: string, start: number, end: number): string {
  let a = start;
  while (a > 0 && !/[.;!?]/.test(text[a - 1]!)) a--;
  let b = end;
  while (b < text.length && !/[.;!?]/.test(text[b]!)) b++;
  return text.slice(a, b);
}

const BATTERY_PERCENT = [
  /\bbatter(?:y|ies)\b[^.;!?\d]{0,25}?\b(\d{1,3}) ?%/,
  /\b(\d{1,3}) ?% (?:battery|batteries|charge)\b/,
];

/** Extract symptom codes, cause hints and a stated battery level from free text. */
export function extractFromText(
  description: string,
  options: { prefilter?: boolean } = {},
): TextExtraction {
  const result: TextExtraction = {
    symptoms: [],
    matches: [],
    negated: [],
    hints: [],
    impliedSteps: [],
    failedSteps: [],
    stepHints: [],
  };
  const text = normalizeText(description);
  if (text === '') return result;
  const claimed: number[] = []; // flat [start, end) pairs
  const overlaps = (s: number, e: number): boolean => {
    for (let i = 0; i < claimed.length; i += 2) {
      if (s < claimed[i + 1]! && claimed[i]! < e) return true;
    }
    return false;
  };
  const prefilter = options.prefilter ?? true;
  const where = prefilter ? anchoredStarts(text) : null;
  const ruleOn = where?.ruleOn ?? null;
  const hintOn = where?.hintOn ?? null;
  for (let ri = 0; ri < RULES.length; ri++) {
    if (ruleOn !== null && !ruleOn[ri]) continue;
    const r = RULES[ri]!;
    const starts = where !== null && r.starts !== null ? where.ruleStarts[ri] : null;
    r.re.lastIndex = 0;
    let from = 0;
    let m: RegExpExecArray | null;
    while (
      (m = starts === null ? r.re.exec(text) : matchFrom(r.sticky, text, starts, from)) !== null
    ) {
      const phrase = m[0];
      const start = m.index;
      const end = start + phrase.length;
      if (phrase.length === 0) {
        r.re.lastIndex++;
        from = start + 1;
        continue;
      }
      from = end;
      if (overlaps(start, end)) continue;
      claimed.push(start, end);
      const cancelled = isCancelled(text, start, r.factual);
      if (
        !cancelled &&
        r.symptoms[0] === 'started_after_battery_change' &&
        STILL_BROKEN.test(sentenceAround(text, start, end))
      ) {
        // "Still dead with fresh batteries": a failed battery swap, not a problem that began with one.
        if (!result.failedSteps.includes('replace_batteries'))
          result.failedSteps.push('replace_batteries');
        continue;
      }
      for (const symptom of r.symptoms) {
        if (cancelled) {
          result.negated.push({ symptom, phrase });
        } else {
          result.matches.push({ symptom, phrase });
          if (!result.symptoms.includes(symptom)) result.symptoms.push(symptom);
        }
      }
      if (!cancelled && r.implies) {
        for (const step of r.implies(phrase)) {
          if (!result.impliedSteps.includes(step)) result.impliedSteps.push(step);
        }
      }
    }
  }
  // Several hints for one cause compound, but damped: the strongest counts fully, the rest half.
  const perCause = new Map<CauseCode, { logs: number[]; phrases: string[] }>();
  for (let hi = 0; hi < HINT_RULES.length; hi++) {
    if (hintOn !== null && !hintOn[hi]) continue;
    const h = HINT_RULES[hi]!;
    const m =
      where !== null && h.starts !== null
        ? matchFrom(h.sticky, text, where.hintStarts[hi], 0)
        : h.re.exec(text);
    if (m === null) continue;
    // Hints against a cause are phrased with negations of their own ("even with the door open").
    if (h.ratio > 1 && isCancelled(text, m.index, false)) continue;
    const entry = perCause.get(h.cause) ?? { logs: [], phrases: [] };
    entry.logs.push(Math.log(h.ratio));
    if (!entry.phrases.includes(m[0])) entry.phrases.push(m[0]);
    perCause.set(h.cause, entry);
  }
  for (const [cause, { logs, phrases }] of perCause) {
    logs.sort((a, b) => Math.abs(b) - Math.abs(a));
    let total = 0;
    logs.forEach((l, i) => (total += i === 0 ? l : l / 2));
    const ratio = Math.min(6, Math.max(1 / 6, Math.exp(total)));
    if (Math.abs(Math.log(ratio)) < 1e-9) continue;
    result.hints.push({ cause, phrase: phrases.join('", "'), ratio });
  }
  const seen = new Map<RegExp, RegExpExecArray | null>(); // a pattern shared by rules runs once
  for (const r of STEP_HINT_RULES) {
    let m = seen.get(r.re);
    if (m === undefined) {
      m = r.re.exec(text);
      seen.set(r.re, m);
    }
    if (m !== null && !isCancelled(text, m.index, false)) {
      result.stepHints.push({ step: r.step, cause: r.cause, fix: r.fix, phrase: m[0] });
    }
  }
  for (const r of FAILED_STEP_RULES) {
    if (r.re.test(text) && !result.failedSteps.includes(r.step)) result.failedSteps.push(r.step);
  }
  for (const re of BATTERY_PERCENT) {
    const m = re.exec(text);
    if (m !== null) {
      const v = Number(m[1]!);
      if (v >= 0 && v <= 100) result.batteryPercent = v;
      break;
    }
  }
  return result;
}
