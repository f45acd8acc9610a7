import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { clearAfterSuccess, deleteExpired, reserveAttempt } from './throttle.repository.js';

/** A bucket's key as stored: a SHA-256 digest, so the table holds no emails, ids or addresses. */
export function bucketKey(kind: string, value: string): Buffer {
  return createHash('sha256').update(`${kind}:${value}`).digest();
}

/** Who a password check is about: a known person, or an email nobody has (counted all the same). */
export type AccountRef = { userId: string } | { email: string };

/**
 * Throttles password checks (login and PATCH /me's currentPassword) in
 * PostgreSQL, so every instance shares the counts and they survive restarts.
 *
 * Each check is reserved BEFORE the password hash is verified, in one atomic
 * statement (auth_attempt_reserve, a row lock): N parallel requests can never
 * all pass a check made before the count. A success gives its reservation
 * back. Per account: `loginMaxFailures` per window, then a lock that doubles
 * on each repeat up to `loginLockMaxSeconds`; attempts made while locked are
 * refused without counting, so one burst costs the owner one short lock, not
 * a lock per request. Per client address: `loginMaxFailuresPerAddress` per
 * window, then a lock of one window; it stops one address from trying many
 * accounts without touching anyone else's address.
 *
 * Hand-written rather than @fastify/rate-limit's store: that store counts
 * every request and, with exponentialBackoff, doubles the wait per refused
 * request (a 40-request burst would lock the owner out for 2^35 windows).
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  /** Reserves one check for the client address; 429 when it is over its limit. */
  async reserveAddress(address: string): Promise<void> {
    const c = this.config;
    const windowMs = c.loginWindowSeconds * 1000;
    await this.reserve(
      bucketKey('addr', address),
      c.loginMaxFailuresPerAddress,
      windowMs,
      windowMs,
      windowMs,
    );
  }

  /** Reserves one check for the account; 429 (with Retry-After) while it is locked. */
  async reserveAccount(account: AccountRef): Promise<void> {
    const c = this.config;
    await this.reserve(
      accountKey(account),
      c.loginMaxFailures,
      c.loginWindowSeconds * 1000,
      c.loginLockSeconds * 1000,
      c.loginLockMaxSeconds * 1000,
    );
  }

  /** A right password: the account starts afresh and the address gets its reservation back. */
  async succeeded(account: AccountRef, address: string): Promise<void> {
    await clearAfterSuccess(this.ds, accountKey(account), bucketKey('addr', address));
  }

  /** Forgets buckets whose window, lock and backoff memory are all over. */
  sweep(): Promise<{ authAttempts: number; rateLimitCounters: number }> {
    return deleteExpired(this.ds);
  }

  private async reserve(
    bucket: Buffer,
    max: number,
    windowMs: number,
    lockMs: number,
    lockMaxMs: number,
  ): Promise<void> {
    const waitMs = await reserveAttempt(this.ds, bucket, max, windowMs, lockMs, lockMaxMs);
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new AppError('too_many_login_attempts', `Try again in ${seconds} seconds.`, {
        headers: { 'retry-after': String(seconds) },
      });
    }
  }
}

function accountKey(account: AccountRef): Buffer {
  return 'userId' in account
    ? bucketKey('user', account.userId)
    : bucketKey('email', account.email.toLowerCase());
}
