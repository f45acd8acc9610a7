/**
 * Pure rules of outbound webhooks: which webhook wants which topic, what a delivery's body is,
 * how it is signed, and which receiver a URL is for the concurrency caps.
 */
import { createHmac } from 'node:crypto';
import { uuidv7 } from '../common/ids.js';
import type { OutboxRow } from '../common/outbox/outbox-relay.js';
import type { NewDelivery } from './webhooks.repository.js';

/** `t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export function topicMatches(patterns: string[], topic: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === topic || (p.endsWith('.*') && topic.startsWith(p.slice(0, -1))),
  );
}

/** The caps apply per receiver as one tenant reaches it: the URL's origin. */
export function endpointKey(tenantId: string, url: string): string {
  try {
    return `${tenantId} ${new URL(url).origin}`;
  } catch {
    return `${tenantId} ${url}`;
  }
}

/**
 * One delivery per message of `tenantId` and webhook that wants its topic. The delivery id is new (and stable
 * across retries: receivers deduplicate on it) and is also the body's `id`.
 */
export function deliveriesFor(
  tenantId: string,
  messages: readonly OutboxRow[],
  hooks: readonly { id: string; events: string[] }[],
): NewDelivery[] {
  const out: NewDelivery[] = [];
  for (const m of messages) {
    for (const h of hooks.filter((w) => topicMatches(w.events, m.topic))) {
      const id = uuidv7();
      const body = JSON.stringify({
        id,
        type: m.topic,
        createdAt: m.created_at.toISOString(),
        tenantId,
        data: m.payload,
      });
      out.push({ id, webhookId: h.id, outboxId: m.id, eventType: m.topic, body });
    }
  }
  return out;
}
