/**
 * JWT verification, the way every authenticated request does it: passport-jwt's verifier
 * (jsonwebtoken.verify, HS256, issuer, audience, expiry) on one core, with the key as
 * TokenService hands it over (a KeyObject made once) against the secret as a string (what
 * jsonwebtoken is given when `secretOrKey: config.jwtSecret`: on every call it first tries
 * the string as a PEM public key, fails, and builds a secret KeyObject).
 *
 *   npm run bench:jwt          (or, after a build: node dist/bench/jwt-verify.js [seconds])
 */
import { createRequire } from 'node:module';
import { TokenService } from '../src/auth/tokens.service.js';
import type { ResolvedConfig } from '../src/config/config.provider.js';
import { log, median } from './support.js';

type Verifier = (
  token: string,
  key: unknown,
  options: object,
  done: (err: Error | null, payload?: unknown) => void,
) => void;
// passport-jwt's own verifier: the exact call JwtStrategy makes per request.
const passportJwt = createRequire(import.meta.url)('passport-jwt') as {
  Strategy: { JwtVerifier: Verifier };
};
const { JwtVerifier } = passportJwt.Strategy;

const SECONDS = Number(process.argv[2] ?? 2);
const ROUNDS = 5;

function rate(token: string, key: unknown, options: object, ms: number): number {
  let n = 0;
  const end = performance.now() + ms;
  const failures: Error[] = [];
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) {
      JwtVerifier(token, key, options, (err) => {
        if (err) failures.push(err);
      });
    }
    n += 100;
  }
  if (failures[0]) throw failures[0];
  return n / (ms / 1000);
}

async function main(): Promise<void> {
  const secret = 'bench-secret-that-is-long-enough-for-hs256-signing';
  const tokens = new TokenService({
    jwtSecret: secret,
    accessTokenTtlSeconds: 900,
  } as ResolvedConfig);
  // A token as issue() signs it (issue() also stores a refresh token, not needed here).
  const { JwtService } = await import('@nestjs/jwt');
  const token = await new JwtService().signAsync(
    {
      sub: '01900000-0000-7000-8000-000000000001',
      tid: '01900000-0000-7000-8000-000000000002',
      role: 'admin',
      typ: 'access',
      ver: 0,
    },
    {
      privateKey: tokens.key,
      algorithm: 'HS256',
      issuer: TokenService.ISSUER,
      audience: TokenService.AUDIENCE,
      expiresIn: 900,
    },
  );
  const options = {
    algorithms: ['HS256'],
    issuer: TokenService.ISSUER,
    audience: TokenService.AUDIENCE,
    ignoreExpiration: false,
  };
  log(`JWT verification (passport-jwt -> jsonwebtoken, HS256), node ${process.version}`);
  log(`${ROUNDS} alternating rounds of ${SECONDS} s each; median verifications/s:`);
  rate(token, tokens.key, options, 200); // warm-up
  rate(token, secret, options, 200);
  const keyed: number[] = [];
  const stringy: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    stringy.push(rate(token, secret, options, SECONDS * 1000));
    keyed.push(rate(token, tokens.key, options, SECONDS * 1000));
  }
  const k = median(keyed);
  const s = median(stringy);
  log(`  secret as a string (a key object built per verification): ${Math.round(s)}/s`);
  log(`  KeyObject made once (TokenService.key, what JwtStrategy uses): ${Math.round(k)}/s`);
  log(
    `  ${(k / s).toFixed(1)}x; per verification ${((1e6 / s) | 0).toString()} µs -> ${(1e6 / k).toFixed(1)} µs`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
