import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstBlockedDirectory, type UnixUser } from './postgres-user-access.js';

// Another user, as the postgres system user is to root: neither owner nor group of our folders.
const stranger: UnixUser = { name: 'postgres', uid: 2_000_000_001, gid: 2_000_000_001 };

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lockdesk-reach-'));
  await chmod(base, 0o755);
  await mkdir(join(base, 'private/checkout/node_modules/bin'), { recursive: true });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('what the postgres user can reach', () => {
  const target = () => join(base, 'private/checkout/node_modules/bin');

  it('names the folder only its owner may enter (a checkout inside a chmod 700 folder)', async () => {
    await chmod(join(base, 'private'), 0o700);
    expect(firstBlockedDirectory(target(), stranger)).toBe(join(base, 'private'));
  });

  it('lets through folders others may pass (o+x), and missing parts', async () => {
    await chmod(join(base, 'private'), 0o711);
    expect(firstBlockedDirectory(target(), stranger)).toBeUndefined();
    expect(firstBlockedDirectory(join(target(), 'not/there/yet'), stranger)).toBeUndefined();
  });

  it('reads the owner and group bits for their owner and group', async () => {
    await chmod(join(base, 'private'), 0o750);
    const { uid, gid } = await stat(join(base, 'private'));
    expect(firstBlockedDirectory(target(), stranger)).toBe(join(base, 'private'));
    expect(firstBlockedDirectory(target(), { name: 'g', uid: stranger.uid, gid })).toBeUndefined();
    await chmod(join(base, 'private'), 0o700);
    expect(firstBlockedDirectory(target(), { name: 'g', uid: stranger.uid, gid })).toBe(
      join(base, 'private'),
    );
    expect(firstBlockedDirectory(target(), { name: 'o', uid, gid: stranger.gid })).toBeUndefined();
  });

  it('a user that does not exist yet counts as any other user', async () => {
    await chmod(join(base, 'private'), 0o700);
    const absent: UnixUser = { name: 'postgres', uid: undefined, gid: undefined };
    expect(firstBlockedDirectory(target(), absent)).toBe(join(base, 'private'));
  });
});
