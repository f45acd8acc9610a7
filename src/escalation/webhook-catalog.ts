/**
 * The catalogue of webhook events, as OpenAPI 3.1 `webhooks`: one envelope for every event
 * (`id`, `type`, `createdAt`, `tenantId`, `data`) and the `data` of each type. The README's event
 * list and a test (every topic the code emits is catalogued) keep to it.
 */
import type { PathItemObject, SchemaObject } from '@nestjs/swagger';

const uuid: SchemaObject = { type: 'string', format: 'uuid' };
const time: SchemaObject = { type: 'string', format: 'date-time', description: 'UTC, ending in Z' };
const text: SchemaObject = { type: 'string' };
const nullable = (s: SchemaObject): SchemaObject => ({ anyOf: [s, { type: 'null' }] });

/** Timeline events of a ticket, sent as `ticket.<type>` (all but `created` share one shape). */
export const TICKET_EVENT_TYPES = [
  'status_changed',
  'reopened',
  'assigned',
  'priority_changed',
  'comment_added',
  'step_recorded',
  'answers_recorded',
  'resolved',
  'sla_breached',
  'escalated',
  'escalation_routed',
  'escalation_rerouted',
  'escalation_scheduled',
  'escalation_declined',
  'escalation_cancelled',
  'escalation_revoked',
  'escalation_unclaimed',
  'escalation_closed',
  'escalation_resolved',
  'escalation_message',
  'reported_again',
  'proactive_note',
  'related_added',
  'related_removed',
  'rated',
  'incident_resolved',
] as const;

/** Events a partner's webhooks receive about the escalations routed to it. */
export const ESCALATION_EVENTS: Record<
  string,
  { summary: string; extra: Record<string, SchemaObject> }
> = {
  'escalation.routed': {
    summary: 'An escalation was routed to you (or re-routed to you by the customer)',
    extra: {
      queue: { type: 'string', enum: ['locksmith', 'manufacturer'] },
      urgent: { type: 'boolean' },
    },
  },
  'escalation.claimed': {
    summary: 'One of your people claimed it',
    extra: { by: { ...uuid, description: 'the user who claimed it' } },
  },
  'escalation.scheduled': {
    summary: 'A visit was scheduled',
    extra: {
      visitWindow: {
        type: 'object',
        required: ['from', 'to'],
        properties: { from: time, to: time },
        description: 'when the visit is planned',
      },
    },
  },
  'escalation.declined': { summary: 'You declined it', extra: { reason: text } },
  'escalation.resolved': {
    summary: 'You resolved it',
    extra: { confirmedCause: { ...text, description: 'a cause code' } },
  },
  'escalation.cancelled': {
    summary: 'The customer took it back',
    extra: { reason: text },
  },
  'escalation.revoked': {
    summary: 'It is no longer yours: re-routed elsewhere or the customer unlinked you',
    extra: { reason: { type: 'string', enum: ['rerouted', 'unlinked'] } },
  },
  'escalation.closed': {
    summary: 'The customer solved or closed the ticket while it was with you',
    extra: { reason: text },
  },
  'escalation.message_created': {
    summary: 'The other side wrote in the escalation’s thread (sent to customers and partners)',
    extra: {
      messageId: uuid,
      ticketId: uuid,
      author: {
        type: 'object',
        required: ['id', 'name', 'kind'],
        properties: {
          id: nullable(uuid),
          name: text,
          kind: { type: 'string', enum: ['user', 'partner', 'system'] },
        },
      },
      body: text,
    },
  },
};

const INCIDENT_FIELDS: Record<string, SchemaObject> = {
  id: uuid,
  title: text,
  modelId: uuid,
  firmwareVersion: nullable(text),
  kind: { ...text, description: 'what the locks share: a top cause, a symptom or an anomaly' },
  signal: { ...text, description: 'the cause code or telemetry type' },
};

/** Events a customer's webhooks receive about its fleet incidents. */
export const INCIDENT_EVENTS: Record<string, { summary: string; data: SchemaObject }> = {
  'incident.opened': {
    summary: 'A cluster of locks of one model and firmware showing the same fault was found',
    data: {
      type: 'object',
      required: [...Object.keys(INCIDENT_FIELDS), 'suspectedCause', 'evidence'],
      properties: {
        ...INCIDENT_FIELDS,
        suspectedCause: nullable(text),
        evidence: { type: 'object', description: 'counts, rate against the base rate, p-value' },
      },
    },
  },
  'incident.resolved': {
    summary: 'An incident was resolved, with its member tickets',
    data: {
      type: 'object',
      required: [
        ...Object.keys(INCIDENT_FIELDS),
        'confirmedCause',
        'resolution',
        'ticketsResolved',
      ],
      properties: {
        ...INCIDENT_FIELDS,
        confirmedCause: text,
        resolution: text,
        ticketsResolved: { type: 'integer' },
      },
    },
  },
};

const TICKET_CREATED_DATA: SchemaObject = {
  type: 'object',
  required: ['ticketId', 'number', 'deviceId', 'priority', 'status', 'topCause'],
  properties: {
    ticketId: uuid,
    number: { type: 'string', examples: ['LD-42'] },
    deviceId: uuid,
    priority: { type: 'string', enum: ['low', 'normal', 'high', 'urgent'] },
    status: text,
    topCause: nullable({ ...text, description: 'the diagnosis’s most likely cause code' }),
  },
};

const TICKET_EVENT_DATA: SchemaObject = {
  type: 'object',
  required: ['ticketId', 'number', 'type', 'internal', 'before', 'after', 'at'],
  properties: {
    ticketId: uuid,
    number: { type: 'string', examples: ['LD-42'] },
    type: { type: 'string', enum: [...TICKET_EVENT_TYPES] },
    internal: { type: 'boolean', description: 'an internal note: `after` is then null' },
    before: { description: 'the changed fields before (as on the timeline), or null' },
    after: { description: 'the changed fields after (as on the timeline), or null' },
    at: time,
  },
};

function escalationData(extra: Record<string, SchemaObject>): SchemaObject {
  return {
    type: 'object',
    required: ['escalationId', 'at', ...Object.keys(extra)],
    properties: { escalationId: uuid, ...extra, at: time },
  };
}

function envelope(type: string, data: SchemaObject): SchemaObject {
  return {
    type: 'object',
    required: ['id', 'type', 'createdAt', 'tenantId', 'data'],
    properties: {
      id: {
        ...uuid,
        description: 'the delivery id, also in `LockDesk-Delivery`; stable across retries',
      },
      type: { type: 'string', enum: [type] },
      createdAt: { ...time, description: 'when the event happened (UTC, ending in Z)' },
      tenantId: { ...uuid, description: 'the tenant whose webhook receives it' },
      data,
    },
  };
}

const HEADERS = [
  {
    name: 'LockDesk-Signature',
    in: 'header' as const,
    required: true,
    description:
      '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`; the secret is ' +
      '`whsec_` followed by 32 base64url characters, shown once when the webhook is created',
    schema: { type: 'string', pattern: '^t=\\d+,v1=[0-9a-f]{64}$' },
  },
  {
    name: 'LockDesk-Delivery',
    in: 'header' as const,
    required: true,
    description: 'The delivery id (the body’s `id`): deduplicate on it',
    schema: uuid,
  },
  {
    name: 'LockDesk-Event',
    in: 'header' as const,
    required: true,
    description: 'The event type (the body’s `type`)',
    schema: text,
  },
];

function hook(type: string, summary: string, schema: string): PathItemObject {
  return {
    post: {
      operationId: `webhook_${type.replace(/\W/g, '_')}`,
      summary,
      tags: ['webhook events'],
      security: [],
      parameters: HEADERS,
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
      },
      responses: {
        '2XX': { description: 'Received. Anything else (or no answer in time) is retried.' },
      },
    },
  };
}

const schemaName = (type: string) =>
  'Event_' +
  type
    .replace(/[._](\w)/g, (_, c: string) => c.toUpperCase())
    .replace(/^\w/, (c) => c.toUpperCase());

/** Every event type, with the schema of its delivery's body. */
export function webhookDocumentation(): {
  webhooks: Record<string, PathItemObject>;
  schemas: Record<string, SchemaObject>;
} {
  const webhooks: Record<string, PathItemObject> = {};
  const schemas: Record<string, SchemaObject> = {};
  const add = (type: string, summary: string, data: SchemaObject) => {
    const name = schemaName(type);
    schemas[name] = envelope(type, data);
    webhooks[type] = hook(type, summary, name);
  };
  add('ticket.created', 'A ticket was reported', TICKET_CREATED_DATA);
  for (const t of TICKET_EVENT_TYPES)
    add(`ticket.${t}`, `Ticket timeline event \`${t}\``, TICKET_EVENT_DATA);
  for (const [type, e] of Object.entries(ESCALATION_EVENTS))
    add(type, e.summary, escalationData(e.extra));
  for (const [type, e] of Object.entries(INCIDENT_EVENTS)) add(type, e.summary, e.data);
  return { webhooks, schemas };
}
