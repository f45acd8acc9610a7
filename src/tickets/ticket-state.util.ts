/** The ticket lifecycle as data: which status may follow which. Pure; no framework. */
export const TICKET_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Statuses in which the SLA clock stops: waiting on the reporter or on a partner. */
export const PAUSED_STATUSES: readonly TicketStatus[] = ['pending', 'on_hold'];
export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'open', 'pending', 'on_hold'];

const NEXT: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['open', 'pending', 'on_hold', 'solved', 'closed'],
  open: ['pending', 'on_hold', 'solved', 'closed'],
  pending: ['open', 'on_hold', 'solved', 'closed'],
  on_hold: ['open', 'pending', 'solved', 'closed'],
  solved: ['open', 'closed'],
  closed: [],
};

export interface TransitionContext {
  solvedAt: Date | null;
  now: Date;
  reopenWindowDays: number;
}

/** Where a ticket may go from `from` now: a solved ticket reopens only within the window; closed is final. */
export function allowedTransitions(from: TicketStatus, ctx: TransitionContext): TicketStatus[] {
  return NEXT[from].filter((to) => {
    if (from === 'solved' && to === 'open') {
      return (
        ctx.solvedAt !== null &&
        ctx.now.getTime() - ctx.solvedAt.getTime() <= ctx.reopenWindowDays * 86_400_000
      );
    }
    return true;
  });
}

export type TransitionCheck = { ok: true } | { ok: false; allowed: TicketStatus[]; reason: string };

export function checkTransition(
  from: TicketStatus,
  to: TicketStatus,
  ctx: TransitionContext,
): TransitionCheck {
  const allowed = allowedTransitions(from, ctx);
  if (allowed.includes(to)) return { ok: true };
  let reason = `A ${from} ticket cannot become ${to}.`;
  if (from === 'closed') reason = 'A closed ticket is final.';
  else if (from === 'solved' && to === 'open')
    reason = `The reopen window of ${ctx.reopenWindowDays} day(s) has passed.`;
  else if (from === to) reason = `The ticket is already ${to}.`;
  return { ok: false, allowed, reason };
}

/** Symptoms that make a report urgent: someone cannot get in, or the door cannot be secured. */
const URGENT = new Set(['locked_out', 'door_wont_latch']);
const HIGH = new Set([
  'no_response',
  'key_broken_in_lock',
  'visible_damage',
  'motor_runs_bolt_stuck',
]);

export function derivePriority(symptoms: readonly string[]): Priority {
  if (symptoms.some((s) => URGENT.has(s))) return 'urgent';
  if (symptoms.some((s) => HIGH.has(s))) return 'high';
  return 'normal';
}

/** "LD-1042" from 1042. */
export function ticketNumber(n: number): string {
  return `LD-${n}`;
}
