import type { Provider } from '@nestjs/common';
import passport from 'passport';
import type { Actor } from './actor.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { JwtStrategy } from './jwt.strategy.js';

/**
 * The app's own passport Authenticator, holding its strategies.
 *
 * @nestjs/passport registers strategies on, and its AuthGuard authenticates
 * through, passport's process-wide singleton, where a name holds only the last
 * strategy registered: with several apps in one process (the tests start a
 * second instance on the same database, then close it) every app would
 * authenticate through the last one's database pool. Each app gets its own.
 */
export const AUTHENTICATOR = Symbol('AUTHENTICATOR');

/** The strategies, in order: a bearer token first, then an API key (skipped when Authorization is sent). */
export const STRATEGIES = ['jwt', 'api-key'] as const;

export const authenticatorProvider: Provider = {
  provide: AUTHENTICATOR,
  inject: [JwtStrategy, ApiKeyStrategy],
  useFactory: (jwt: JwtStrategy, apiKey: ApiKeyStrategy): passport.Authenticator => {
    const authenticator = new passport.Passport();
    authenticator.use(STRATEGIES[0], jwt);
    authenticator.use(STRATEGIES[1], apiKey);
    return authenticator;
  },
};

type Middleware = (req: unknown, res: unknown, next: (err?: Error) => void) => void;

/**
 * Runs the strategies on a request without sessions: the caller, or null if
 * none of them found credentials it accepts. A strategy's error (a refused
 * key or token as AppError, a database failure) is thrown as is.
 */
export function authenticate(
  authenticator: passport.Authenticator,
  req: unknown,
  res: unknown,
): Promise<Actor | null> {
  return new Promise((resolve, reject) => {
    const middleware = authenticator.authenticate(
      [...STRATEGIES],
      { session: false },
      (err: Error | null, user: Actor | false | null | undefined) =>
        err ? reject(err) : resolve(user || null),
    ) as Middleware;
    // `next` is called only by a strategy that passes (none of ours does) or on an unknown strategy.
    middleware(req, res, (err) => (err ? reject(err) : resolve(null)));
  });
}
