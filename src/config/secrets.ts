import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Outside production a missing JWT_SECRET is generated once and kept in the
 * git-ignored data directory, so tokens survive restarts of a dev server.
 */
export async function devJwtSecret(file: string): Promise<string> {
  if (existsSync(file)) {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept.length >= 32) return kept;
  }
  const secret = randomBytes(48).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, secret + '\n', { mode: 0o600 });
  return secret;
}
