import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { OutboxRow } from '../common/outbox/outbox-relay.js';
import { deliveriesFor, endpointKey, signWebhook, topicMatches } from './webhook-events.js';

describe('webhook rules', () => {
  it('matches topics exactly, by prefix.* and by *', () => {
    expect(topicMatches(['ticket.created'], 'ticket.created')).toBe(true);
    expect(topicMatches(['ticket.*'], 'ticket.solved')).toBe(true);
    expect(topicMatches(['ticket.*'], 'tickets.solved')).toBe(false);
    expect(topicMatches(['*'], 'escalation.routed')).toBe(true);
    expect(topicMatches(['escalation.claimed'], 'escalation.routed')).toBe(false);
  });

  it('signs t + "." + body with HMAC-SHA256', () => {
    const mac = createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex');
    expect(signWebhook('s3cret', '{"a":1}', 1_700_000_000)).toBe(`t=1700000000,v1=${mac}`);
  });

  it('counts one receiver per tenant and origin', () => {
    expect(endpointKey('t1', 'https://h.example/a?x=1')).toBe('t1 https://h.example');
    expect(endpointKey('t1', 'not a url')).toBe('t1 not a url');
  });

  it('makes one delivery per message and webhook that wants it, its id in the body', () => {
    const at = new Date('2026-11-27T10:00:00Z');
    const messages: OutboxRow[] = [
      { id: '1', topic: 'ticket.created', payload: { n: 1 }, created_at: at },
      { id: '2', topic: 'escalation.routed', payload: { n: 2 }, created_at: at },
    ];
    const hooks = [
      { id: 'h-all', events: ['*'] },
      { id: 'h-tickets', events: ['ticket.*'] },
    ];
    const out = deliveriesFor('t1', messages, hooks);
    expect(out.map((d) => [d.outboxId, d.webhookId, d.eventType])).toEqual([
      ['1', 'h-all', 'ticket.created'],
      ['1', 'h-tickets', 'ticket.created'],
      ['2', 'h-all', 'escalation.routed'],
    ]);
    expect(new Set(out.map((d) => d.id)).size).toBe(3);
    for (const d of out) {
      expect(JSON.parse(d.body)).toEqual({
        id: d.id,
        type: d.eventType,
        createdAt: at.toISOString(),
        tenantId: 't1',
        data: messages.find((m) => m.id === d.outboxId)!.payload,
      });
    }
  });
});
