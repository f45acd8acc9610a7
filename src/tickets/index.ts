/**
 * The public surface of the tickets module: what other modules may import from it (the other one
 * is tickets.module.ts). Everything else in src/tickets/ is private; see .dependency-cruiser.cjs.
 */
export { TicketView } from './dto/tickets.dto.js';
export { ticketNumber } from './ticket-state.util.js';
export { TicketsForEscalation } from './tickets-for-escalation.service.js';
export { type EscalatedTicket } from './tickets-for-escalation.service.js';
export { type TicketEscalationHooks } from './escalation-hooks.js';
export { TicketEscalationView } from './dto/tickets.dto.js';
export { partnerOwnRatings, partnerRatingSummaries } from './ticket-ratings.repository.js';
export { type RatingSummaryRow } from './ticket-ratings.repository.js';
export { TicketsForIncidents } from './tickets-for-incidents.service.js';
export { type TicketIncidentHooks } from './incident-hooks.js';
export { TicketIncidentView } from './dto/tickets.dto.js';
