/**
 * The relay side of the transactional outbox: a tenant's new messages are handed to a consumer
 * and marked published in one transaction, so a message is handed on exactly once per commit
 * (a consumer that fails rolls the batch back, and the next round hands it on again).
 * Several relays may run at once (every instance): each batch is locked with SKIP LOCKED.
 */
import type { TenantTx } from '../../database/tenant-db.service.js';
import { lockUnpublished, markPublished, type OutboxRow } from './outbox.repository.js';

export type { OutboxRow } from './outbox.repository.js';

/** Messages relayed per tenant and round. */
export const RELAY_BATCH = 500;

/**
 * Hands `tx`'s tenant's oldest unpublished messages (up to `batch`) to `consume` in this
 * transaction, then marks them published. Answers how many were relayed.
 */
export async function relayOutbox(
  tx: TenantTx,
  consume: (tx: TenantTx, messages: readonly OutboxRow[]) => Promise<void>,
  batch = RELAY_BATCH,
): Promise<number> {
  const messages = await lockUnpublished(tx, batch);
  if (messages.length === 0) return 0;
  await consume(tx, messages);
  await markPublished(
    tx,
    messages.map((m) => m.id),
  );
  return messages.length;
}
