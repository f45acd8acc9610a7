import { Injectable } from '@nestjs/common';
import { NotifyListener, type NotifySubscriber } from '../database/notify-listener.js';
import type { TenantKind } from '../tenancy/index.js';
import type { TokenHolder } from './credentials.repository.js';

/** The channel the AuthChangeNotify migration's triggers notify on: `api_key:<id>`, `user:<id>`, `tenant:<id>`. */
export const AUTH_CHANNEL = 'lockdesk_auth';

/** An API key as authentication needs it (the key is found by its hash). */
export interface CachedApiKey {
  tenantId: string;
  tenantKind: TenantKind;
  apiKeyId: string;
  /** When its use was last recorded (epoch ms), to record it at most once a minute. */
  lastUsedAt: number | null;
}

/** A person as bearer-token checks need them. */
export interface CachedHolder extends TokenHolder {
  tenantId: string;
}

/**
 * A map with a size bound (least recently used out first) and an age limit. Hand-written:
 * lru-cache would do, but it is not a dependency of ours and ~40 lines do not justify one.
 */
class BoundedTtlMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly onDrop: (value: V) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) {
      this.onDrop(entry.value);
      return undefined;
    }
    this.entries.set(key, entry); // most recently used last
    return entry.value;
  }

  set(key: string, value: V, now: number): void {
    this.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.onDrop(entry.value);
  }

  deleteWhere(test: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (test(entry.value)) this.delete(key);
  }

  clear(): void {
    for (const key of [...this.entries.keys()]) this.delete(key);
  }
}

/**
 * Who a credential belongs to, remembered so that authentication does not ask the database on
 * every request; correct because every change that matters is forgotten at once:
 *
 * - on this instance, the path that made the change calls `forget*` after its commit, before
 *   it answers (the next request here is refused);
 * - on every instance, the AuthChangeNotify triggers NOTIFY on commit and the LISTEN
 *   connection (NotifyListener) forgets the entry as the notification arrives;
 * - while that connection is down, nothing is read from or written to the cache (every request
 *   goes to the database), and the cache is emptied when it goes down and when it is back,
 *   since notifications sent in between are lost;
 * - a read that started before a change must not store what it found after the change was
 *   forgotten: a fill carries the epoch taken before its read, and any forget bumps the epoch;
 * - entries live at most TTL_MS anyway, a bound on any staleness the above misses.
 *
 * Nothing unknown or refused is cached: a wrong key always costs a lookup.
 */
@Injectable()
export class AuthCache implements NotifySubscriber {
  static readonly TTL_MS = 15_000;
  static readonly MAX_ENTRIES = 10_000;

  private epoch = 0;
  /** API keys by the key's hash, and the hash of each cached key's id (notifications name ids). */
  private readonly hashOfKey = new Map<string, string>();
  private readonly apiKeys = new BoundedTtlMap<CachedApiKey>(
    AuthCache.MAX_ENTRIES,
    AuthCache.TTL_MS,
    (k) => this.hashOfKey.delete(k.apiKeyId),
  );
  /** People by user id. */
  private readonly holders = new BoundedTtlMap<CachedHolder>(
    AuthCache.MAX_ENTRIES,
    AuthCache.TTL_MS,
  );
  /** Lookups answered from memory and from the database (benchmarks and tests read them). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly listener: NotifyListener) {
    listener.subscribe(AUTH_CHANNEL, this);
  }

  /**
   * Taken before a database read whose answer may be cached: null when it may not (the
   * invalidation feed is down).
   */
  ticket(): number | null {
    return this.listener.live ? this.epoch : null;
  }

  apiKey(keyHash: string): CachedApiKey | undefined {
    const found = this.listener.live ? this.apiKeys.get(keyHash, performance.now()) : undefined;
    this.count(found);
    return found;
  }

  putApiKey(ticket: number | null, keyHash: string, key: CachedApiKey): void {
    if (!this.fillable(ticket)) return;
    this.apiKeys.set(keyHash, key, performance.now());
    this.hashOfKey.set(key.apiKeyId, keyHash);
  }

  /** The person `userId` of tenant `tenantId`, if cached. */
  holder(tenantId: string, userId: string): CachedHolder | undefined {
    const cached = this.listener.live ? this.holders.get(userId, performance.now()) : undefined;
    const found = cached?.tenantId === tenantId ? cached : undefined;
    this.count(found);
    return found;
  }

  putHolder(ticket: number | null, userId: string, holder: CachedHolder): void {
    if (!this.fillable(ticket)) return;
    this.holders.set(userId, holder, performance.now());
  }

  forgetApiKey(apiKeyId: string): void {
    this.epoch++;
    const hash = this.hashOfKey.get(apiKeyId);
    if (hash !== undefined) this.apiKeys.delete(hash);
  }

  forgetUser(userId: string): void {
    this.epoch++;
    this.holders.delete(userId);
  }

  forgetTenant(tenantId: string): void {
    this.epoch++;
    this.apiKeys.deleteWhere((k) => k.tenantId === tenantId);
    this.holders.deleteWhere((h) => h.tenantId === tenantId);
  }

  /** A NOTIFY from the AuthChangeNotify triggers. */
  notified(payload: string): void {
    const [kind, id] = payload.split(':');
    if (kind === 'api_key' && id) this.forgetApiKey(id);
    else if (kind === 'user' && id) this.forgetUser(id);
    else if (kind === 'tenant' && id) this.forgetTenant(id);
    else this.reset(); // unknown: forget everything rather than guess
  }

  reset(): void {
    this.epoch++;
    this.apiKeys.clear();
    this.holders.clear();
  }

  get size(): number {
    return this.apiKeys.size + this.holders.size;
  }

  private fillable(ticket: number | null): boolean {
    return ticket !== null && ticket === this.epoch && this.listener.live;
  }

  private count(found: unknown): void {
    if (found) this.stats.hits++;
    else this.stats.misses++;
  }
}
