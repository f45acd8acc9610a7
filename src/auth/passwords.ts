import argon2 from 'argon2';

/** OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane (RELIABILITY.md #11). */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** Spends the same time as a real check when the account does not exist. */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword('lockdesk-timing-equaliser');
  await verifyPassword(await dummy, password);
}
