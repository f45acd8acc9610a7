import { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { ResolvedConfig } from '../config/config.provider.js';
import type { NotifyListener, NotifySubscriber } from '../database/notify-listener.js';
import type { TenantDb } from '../database/tenant-db.service.js';
import { AuthCache, type CachedApiKey } from './auth-cache.js';
import { JwtStrategy } from './jwt.strategy.js';
import { TokenService } from './tokens.service.js';

/** The part of NotifyListener the cache uses, with the feed's state in the test's hands. */
function feed(live = true) {
  const state = { live, subscriber: undefined as NotifySubscriber | undefined };
  const listener = {
    get live() {
      return state.live;
    },
    subscribe: (_channel: string, s: NotifySubscriber) => (state.subscriber = s),
  } as unknown as NotifyListener;
  return { state, cache: new AuthCache(listener) };
}

const T1 = '01900000-0000-7000-8000-0000000000a1';
const KEY: CachedApiKey = {
  tenantId: T1,
  tenantKind: 'customer',
  apiKeyId: '01900000-0000-7000-8000-0000000000b1',
  lastUsedAt: null,
};

afterEach(() => {
  jest.useRealTimers();
});

describe('AuthCache', () => {
  it('serves what was filled, and forgets it by id, by notification and by tenant', () => {
    const { state, cache } = feed();
    cache.putApiKey(cache.ticket(), 'h1', { ...KEY });
    expect(cache.apiKey('h1')?.apiKeyId).toBe(KEY.apiKeyId);
    cache.forgetApiKey(KEY.apiKeyId);
    expect(cache.apiKey('h1')).toBeUndefined();

    cache.putApiKey(cache.ticket(), 'h1', { ...KEY });
    state.subscriber!.notified(`api_key:${KEY.apiKeyId}`);
    expect(cache.apiKey('h1')).toBeUndefined();

    const holder = { role: 'agent', passwordChangedAt: new Date(), tokenVersion: 0 } as const;
    cache.putApiKey(cache.ticket(), 'h1', { ...KEY });
    cache.putHolder(cache.ticket(), 'u1', { ...holder, kind: 'customer', tenantId: T1 });
    expect(cache.holder(T1, 'u1')?.role).toBe('agent');
    expect(cache.holder('01900000-0000-7000-8000-0000000000a2', 'u1')).toBeUndefined();
    state.subscriber!.notified(`tenant:${T1}`);
    expect(cache.apiKey('h1')).toBeUndefined();
    expect(cache.holder(T1, 'u1')).toBeUndefined();
  });

  it('does not store what a read found if a change was forgotten while it ran', () => {
    const { cache } = feed();
    const ticket = cache.ticket(); // the read starts (it sees the key live)
    cache.forgetApiKey(KEY.apiKeyId); // the revocation commits and is forgotten
    cache.putApiKey(ticket, 'h1', { ...KEY }); // the read ends
    expect(cache.apiKey('h1')).toBeUndefined();
  });

  it('is neither read nor filled while the feed is down, and is emptied when it drops', () => {
    const { state, cache } = feed();
    cache.putApiKey(cache.ticket(), 'h1', { ...KEY });
    state.live = false;
    state.subscriber!.reset();
    expect(cache.size).toBe(0);
    expect(cache.ticket()).toBeNull();
    cache.putApiKey(cache.ticket(), 'h1', { ...KEY });
    cache.putApiKey(0, 'h1', { ...KEY });
    expect(cache.size).toBe(0);
    expect(cache.apiKey('h1')).toBeUndefined();
  });

  it('forgets entries after the TTL and keeps at most MAX_ENTRIES', () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    const { cache } = feed();
    cache.putApiKey(cache.ticket(), 'h1', { ...KEY });
    jest.advanceTimersByTime(AuthCache.TTL_MS - 1);
    expect(cache.apiKey('h1')).toBeDefined();
    jest.advanceTimersByTime(1);
    expect(cache.apiKey('h1')).toBeUndefined();

    for (let i = 0; i <= AuthCache.MAX_ENTRIES; i++)
      cache.putApiKey(cache.ticket(), `k${i}`, { ...KEY, apiKeyId: `id${i}` });
    expect(cache.size).toBe(AuthCache.MAX_ENTRIES);
    expect(cache.apiKey('k0')).toBeUndefined(); // the least recently used went first
    // Its id no longer points anywhere: forgetting it touches nothing else.
    cache.forgetApiKey('id0');
    expect(cache.size).toBe(AuthCache.MAX_ENTRIES);
  });
});

describe('JwtStrategy', () => {
  it('hands jsonwebtoken the KeyObject made once, never the secret string', () => {
    const Strategy = createRequire(import.meta.url)('passport-jwt').Strategy as {
      JwtVerifier: (
        token: string,
        key: unknown,
        options: object,
        done: (err: Error) => void,
      ) => void;
    };
    const original = Strategy.JwtVerifier;
    const keys: unknown[] = [];
    Strategy.JwtVerifier = (_token, key, _options, done) => {
      keys.push(key);
      done(new Error('verified elsewhere'));
    };
    try {
      const tokens = new TokenService({ jwtSecret: 'x'.repeat(40) } as ResolvedConfig);
      const { cache } = feed();
      const strategy = new JwtStrategy(tokens, {} as TenantDb, cache);
      const s = strategy as unknown as { fail(): void; error(): void; success(): void };
      s.fail = s.error = s.success = () => undefined;
      for (let i = 0; i < 2; i++)
        strategy.authenticate({ headers: { authorization: 'Bearer a.b.c' } } as never);
    } finally {
      Strategy.JwtVerifier = original;
    }
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBeInstanceOf(KeyObject);
    expect((keys[0] as KeyObject).type).toBe('secret');
    expect(keys[1]).toBe(keys[0]);
  });
});
