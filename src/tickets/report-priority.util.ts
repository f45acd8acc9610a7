/**
 * How urgent a report reads, from its own words: people write "the tenant is locked out" or "the
 * door will not lock" without picking a symptom code. Pure; no framework. Negation aware: "not
 * locked out", "nobody is locked out" do not count.
 */
import { derivePriority, PRIORITIES, type Priority } from './ticket-state.util.js';

interface PhraseRule {
  priority: Priority;
  /** What the phrase means, for the timeline and tests. */
  why: string;
  pattern: RegExp;
}

/** The phrases, over normalized text (lower case, apostrophes out: "won't" -> "wont"). */
const RULES: readonly PhraseRule[] = [
  {
    priority: 'urgent',
    why: 'locked out',
    pattern:
      /\b(?:locked out|lock(?:ed|s)? (?:me|us|him|her|them|(?:the |a |)(?:tenant|resident|guest|owner)s?) out|(?:cannot|cant|can not|unable to|could not|couldnt) (?:get|go) (?:in|inside|into (?:the |my |our |their |)(?:flat|apartment|unit|home|house|room))|stuck outside|shut out)\b/g,
  },
  {
    priority: 'urgent',
    why: 'cannot lock',
    pattern:
      /\b(?:(?:cannot|cant|can not|unable to|could not|couldnt|wont|will not|does not|doesnt|did not|didnt|fails to|failed to|refuses to|no longer) (?:be |)(?:lock|locks|locked|secure|secured|latch|latches|latched)(?! (?:automatically|by itself|on its own|itself|after))|(?:stuck|stays|remains|left|frozen) (?:in the |)unlocked|(?:no way|impossible) to (?:lock|secure))\b/g,
  },
  {
    priority: 'urgent',
    why: 'door will not secure',
    pattern:
      /\b(?:door|gate|entrance|entry)s? (?:(?:is|are|was|were|stands?|stays?|left) )?(?:(?:cannot|cant|wont|will not|does not|doesnt|is not|isnt|not) (?:be )?(?:secure|secured|close|closed|shut)|unsecured|insecure|wide open)\b/g,
  },
  {
    priority: 'high',
    why: 'security exposure',
    pattern:
      /\b(?:security (?:risk|issue|problem|breach|exposure|concern|hole)|break[ -]?in|broken into|burglar\w*|intruders?|forced (?:open|entry)|pried open|tamper\w*|anyone can (?:open|get in|walk in)|unknown (?:code|user|person)s? (?:used|opened|unlocked)|opened by itself|unlocks? (?:by )?itself|unlocked on its own)\b/g,
  },
  {
    priority: 'high',
    why: 'stuck bolt',
    pattern:
      /\b(?:(?:dead)?bolt|latch) (?:(?:is|got|gets|seems|appears) )?(?:(?:does not|doesnt|did not|didnt|wont|will not|cannot|cant|can not|never|no longer|not) (?:move|moving|budge|retract|extend|go (?:in|out)|slide|turn)|stuck|jammed|seized|frozen)\b/g,
  },
];

/** Words that negate a phrase when they come shortly before it in the same clause. */
const NEGATORS =
  /\b(?:not|no|never|nobody|noone|no one|none|neither|nor|isnt|arent|wasnt|werent|without|hardly)\b/;
/** Words that start a new clause: a negator before them does not reach the phrase. */
const CLAUSE_BREAK = /[.;!?,:]|\b(?:but|however|although|though|yet|because)\b/g;

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019']/g, '')
    .replace(/\s+/g, ' ');
}

/** The part of `before` that belongs to the phrase's clause (after the last clause break). */
function clauseBefore(before: string): string {
  let start = 0;
  for (const m of before.matchAll(CLAUSE_BREAK)) start = m.index + m[0].length;
  return before.slice(start);
}

function negated(text: string, at: number): boolean {
  // The four words before the phrase, within its clause: a bounded look back (a long report
  // with many phrases stays linear).
  const before = text.slice(Math.max(0, at - 60), at);
  const words = clauseBefore(before).trim().split(' ').filter(Boolean).slice(-4);
  return NEGATORS.test(words.join(' '));
}

export interface TextUrgency {
  priority: Priority | null;
  /** The phrases that counted, e.g. ["locked out"]. */
  reasons: string[];
}

/** The highest priority the description's phrases call for (null: nothing urgent said). */
export function urgencyFromText(description: string): TextUrgency {
  const text = normalize(description);
  const reasons: string[] = [];
  let best: Priority | null = null;
  for (const rule of RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      if (negated(text, m.index)) continue;
      if (!reasons.includes(rule.why)) reasons.push(rule.why);
      if (best === null || rank(rule.priority) > rank(best)) best = rule.priority;
    }
  }
  return { priority: best, reasons };
}

const rank = (p: Priority) => PRIORITIES.indexOf(p);

/** A report's priority: the higher of what its symptom codes and its words call for. */
export function reportPriority(symptoms: readonly string[], description: string): Priority {
  const fromCodes = derivePriority(symptoms);
  const fromText = urgencyFromText(description).priority;
  return fromText !== null && rank(fromText) > rank(fromCodes) ? fromText : fromCodes;
}
