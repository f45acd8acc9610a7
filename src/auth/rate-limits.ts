import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyRateLimit, {
  type FastifyRateLimitStore,
  type FastifyRateLimitStoreCtor,
  normalizeIP,
} from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import type { Actor } from './actor.js';
import { HitLeases } from './hit-leases.js';
import { bucketKey } from './login-throttle.js';
import { hitWindow } from './throttle.repository.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * @fastify/rate-limit's store in PostgreSQL, so every instance shares the
 * counts: hits are counted per (bucket, fixed window) in the UNLOGGED
 * rate_limit_counters table, the window and the time left taken from the
 * database clock, reserved a batch at a time (HitLeases: one upsert per 1% of
 * the limit, not per request; exact per hit for small limits). Keys are stored
 * as SHA-256 digests (no tenant ids or addresses at rest); expired windows are
 * deleted by LoginThrottle.sweep.
 */
export function postgresRateLimitStore(ds: DataSource): FastifyRateLimitStoreCtor {
  const leases = new HitLeases((key, count, windowMs) =>
    hitWindow(ds, bucketKey('rl', key), windowMs, count),
  );
  return class PostgresRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, cb: Callback, timeWindow: number, max: number): void {
      leases.hit(key, timeWindow, max).then(
        (result) => cb(null, result),
        (err: Error) => cb(err),
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

/** TRUST_PROXY as Fastify's trustProxy option (a hop count becomes a function: the types lack the number form). */
export function fastifyTrustProxy(
  value: ResolvedConfig['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address, hop) => hop < value : value;
}

/** Registers @fastify/rate-limit with the shared store; the auth guard applies the limits. */
export async function registerRateLimits(app: NestFastifyApplication): Promise<void> {
  await app
    .getHttpAdapter()
    .getInstance()
    .register(fastifyRateLimit, {
      global: false,
      store: postgresRateLimitStore(app.get(DataSource)),
      skipOnError: false,
    });
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type Outcome = Exclude<Awaited<ReturnType<Limiter>>, { isAllowed: true }>;

/**
 * The general API limits, applied by the auth guard once it knows who calls:
 * per tenant and per API key for authenticated requests, per client address
 * on public routes that ask for it. Answers carry the IETF draft's
 * RateLimit-Limit / -Remaining / -Reset headers (of the tightest limit); over
 * a limit, 429 problem+json with Retry-After.
 */
@Injectable()
export class RateLimits {
  private limiters?: { tenant: Limiter; apiKey: Limiter; address: Limiter };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  async forActor(req: FastifyRequest, reply: FastifyReply, actor: Actor): Promise<void> {
    const l = this.get();
    const checks: ReturnType<Limiter>[] = [];
    if (this.config.rateLimitPerTenant > 0) checks.push(l.tenant(req));
    if (actor.type === 'api_key' && this.config.rateLimitPerApiKey > 0) checks.push(l.apiKey(req));
    await this.apply(reply, checks);
  }

  async forAddress(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.config.rateLimitPublicPerAddress === 0) return;
    await this.apply(reply, [this.get().address(req)]);
  }

  private async apply(reply: FastifyReply, checks: ReturnType<Limiter>[]): Promise<void> {
    const outcomes = (await Promise.all(checks)).filter((o): o is Outcome => !o.isAllowed);
    if (outcomes.length === 0) return;
    const exceeded = outcomes.filter((o) => o.isExceeded);
    const shown = (exceeded.length > 0 ? exceeded : outcomes).reduce((a, b) =>
      b.remaining < a.remaining || (b.remaining === a.remaining && b.ttl > a.ttl) ? b : a,
    );
    void reply.headers({
      'ratelimit-limit': String(shown.max),
      'ratelimit-remaining': String(shown.remaining),
      'ratelimit-reset': String(shown.ttlInSeconds),
    });
    if (exceeded.length > 0) {
      throw new AppError(
        'rate_limited',
        `Rate limit of ${shown.max} requests per ${shown.timeWindow / 1000} seconds exceeded; retry in ${shown.ttlInSeconds} seconds.`,
        { headers: { 'retry-after': String(shown.ttlInSeconds) } },
      );
    }
  }

  private get(): NonNullable<RateLimits['limiters']> {
    if (this.limiters) return this.limiters;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    if (typeof fastify.createRateLimit !== 'function') {
      throw new Error('@fastify/rate-limit is not registered (registerRateLimits in createApp)');
    }
    const c = this.config;
    const timeWindow = c.rateLimitWindowSeconds * 1000;
    const actorOf = (req: FastifyRequest) => (req as FastifyRequest & { actor: Actor }).actor;
    this.limiters = {
      tenant: fastify.createRateLimit({
        max: c.rateLimitPerTenant,
        timeWindow,
        keyGenerator: (req) => `tenant:${actorOf(req).tenantId}`,
      }),
      apiKey: fastify.createRateLimit({
        max: c.rateLimitPerApiKey,
        timeWindow,
        keyGenerator: (req) => {
          const actor = actorOf(req);
          return `apikey:${actor.type === 'api_key' ? actor.apiKeyId : ''}`;
        },
      }),
      address: fastify.createRateLimit({
        max: c.rateLimitPublicPerAddress,
        timeWindow,
        // One IPv6 /64 is one client, as the plugin's default key does.
        keyGenerator: (req) => `addr:${normalizeIP(req.ip, 64)}`,
      }),
    };
    return this.limiters;
  }
}
