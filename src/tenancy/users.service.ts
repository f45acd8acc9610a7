import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AuthService } from '../auth/index.js';
import { LoginThrottle } from '../auth/index.js';
import { hashPassword, verifyPassword } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { type TokenPair, TokenService } from '../auth/index.js';
import type {
  CreateUserDto,
  ListUsersQueryDto,
  UpdateMeDto,
  UpdateUserDto,
} from './dto/users.dto.js';
import { findOwnTenant, type TenantRow } from './tenant-records.repository.js';
import { ROLES_BY_KIND, type Role, type TenantKind } from './types.js';
import {
  findUser,
  insertUser,
  listUsers,
  lockAdminIds,
  softDeleteUser,
  updateUser,
  type UserPatch,
  type UserRow,
} from './users.repository.js';
import { tenantView, userView, type TenantView, type UserView } from './views.js';

function assertRoleFits(kind: TenantKind, role: Role): void {
  if (!ROLES_BY_KIND[kind].includes(role)) {
    throw new AppError(
      'role_not_allowed',
      `A ${kind} tenant has the roles ${ROLES_BY_KIND[kind].join(', ')}.`,
      {
        errors: [
          { field: 'role', message: `role must be one of ${ROLES_BY_KIND[kind].join(', ')}` },
        ],
      },
    );
  }
}

@Injectable()
export class UsersService {
  constructor(
    private readonly db: TenantDb,
    private readonly auth: AuthService,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
  ) {}

  create(actor: UserActor, dto: CreateUserDto, idem?: IdempotencyScope): Promise<UserView> {
    assertRoleFits(actor.tenantKind, dto.role);
    return hashPassword(dto.password).then((passwordHash) =>
      this.db
        .tenantTransaction(actor.tenantId, async (tx) => {
          const user = await insertUser(tx, {
            id: uuidv7(),
            email: dto.email,
            name: dto.name,
            role: dto.role,
            passwordHash,
          });
          const view = userView(user);
          await idem?.complete(tx, view);
          return view;
        })
        .catch((err: unknown) => {
          if (isUniqueViolation(err, 'users_email_key')) throw new AppError('email_taken');
          throw err;
        }),
    );
  }

  list(actor: UserActor, q: ListUsersQueryDto): Promise<Page<UserView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : undefined;
    return this.db.tenantTransaction(actor.tenantId, async (tx) =>
      toPage(
        await listUsers(tx, { role: q.role, after, limit: limit + 1 }),
        limit,
        (u) => [u.id],
        userView,
      ),
    );
  }

  get(actor: UserActor, id: string): Promise<UserView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) =>
      userView(await this.find(tx, id)),
    );
  }

  update(actor: UserActor, id: string, dto: UpdateUserDto): Promise<UserView> {
    if (dto.role) assertRoleFits(actor.tenantKind, dto.role);
    return this.withNewHash(dto.password, (passwordHash) =>
      this.auth.changingUser(id, () =>
        this.db.tenantTransaction(actor.tenantId, async (tx) => {
          const user = await this.find(tx, id, { lock: true });
          if (dto.role && user.role === 'admin' && dto.role !== 'admin')
            await this.assertNotLastAdmin(tx, user.id);
          return userView(
            await this.apply(tx, user, {
              name: dto.name,
              role: dto.role,
              away: dto.away,
              passwordHash,
            }),
          );
        }),
      ),
    );
  }

  remove(actor: UserActor, id: string): Promise<void> {
    return this.auth.changingUser(id, () =>
      this.db.tenantTransaction(actor.tenantId, async (tx) => {
        const user = await this.find(tx, id, { lock: true });
        if (user.role === 'admin') await this.assertNotLastAdmin(tx, user.id);
        await softDeleteUser(tx, user.id);
        await this.auth.revokeSessions(tx, user.id);
      }),
    );
  }

  me(actor: UserActor): Promise<{ user: UserView; tenant: TenantView }> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => ({
      user: userView(await this.find(tx, actor.userId)),
      tenant: tenantView(await this.ownTenant(tx)),
    }));
  }

  /** The caller's tenant (for an API key, which is no person). */
  tenant(tenantId: string): Promise<TenantView> {
    return this.db.tenantTransaction(tenantId, async (tx) => tenantView(await this.ownTenant(tx)));
  }

  /**
   * A person's own profile; a new password needs the current one and answers
   * fresh tokens. The currentPassword check is throttled like a login: the
   * attempt is reserved for this person and address before the hash is
   * checked (and before the new one is computed).
   */
  async updateMe(
    actor: UserActor,
    dto: UpdateMeDto,
    address: string,
  ): Promise<{ user: UserView; tokens?: TokenPair }> {
    if (dto.password !== undefined && dto.currentPassword === undefined) {
      throw new AppError('validation_failed', 'A new password needs the current one.', {
        errors: [
          { field: 'currentPassword', message: 'currentPassword is required to set a password' },
        ],
      });
    }
    const account = { userId: actor.userId };
    if (dto.password !== undefined) {
      await this.throttle.reserveAddress(address);
      await this.throttle.reserveAccount(account);
    }
    const result = await this.withNewHash(dto.password, (passwordHash) =>
      this.auth.changingUser(actor.userId, () =>
        this.db.tenantTransaction(actor.tenantId, async (tx) => {
          const current = await this.find(tx, actor.userId, { lock: true });
          if (
            passwordHash &&
            !(await verifyPassword(current.password_hash, dto.currentPassword!))
          ) {
            throw new AppError('invalid_credentials', 'The current password is wrong.');
          }
          const user = await this.apply(tx, current, {
            name: dto.name,
            away: dto.away,
            passwordHash,
          });
          const tokens = passwordHash
            ? await this.tokens.issue(tx, {
                id: user.id,
                role: user.role,
                tokenVersion: user.token_version,
              })
            : undefined;
          return { user: userView(user), ...(tokens ? { tokens } : {}) };
        }),
      ),
    );
    if (dto.password !== undefined) await this.throttle.succeeded(account, address);
    return result;
  }

  private async withNewHash<T>(
    password: string | undefined,
    work: (hash?: string) => Promise<T>,
  ): Promise<T> {
    return work(password === undefined ? undefined : await hashPassword(password));
  }

  /** Applies a change to a (locked) person; answers the person as stored afterwards. */
  private async apply(
    tx: TenantTx,
    user: UserRow,
    change: { name?: string; role?: Role; away?: boolean; passwordHash?: string },
  ): Promise<UserRow> {
    const patch: UserPatch = {};
    if (change.name !== undefined) patch.name = change.name.trim();
    if (change.role !== undefined) patch.role = change.role;
    if (change.away !== undefined) patch.away = change.away;
    if (change.passwordHash !== undefined) {
      patch.passwordHash = change.passwordHash;
      patch.passwordChangedAt = new Date();
      // Tokens issued before now stop working, even those from this same second.
      patch.tokenVersion = user.token_version + 1;
    }
    if (Object.keys(patch).length === 0) return user;
    const updated = await updateUser(tx, user.id, patch);
    // A new password ends every session the old one opened.
    if (change.passwordHash !== undefined) await this.auth.revokeSessions(tx, user.id);
    return updated;
  }

  private async find(tx: TenantTx, id: string, options: { lock?: boolean } = {}): Promise<UserRow> {
    const user = await findUser(tx, id, options);
    if (!user) throw notFound('User');
    return user;
  }

  private async ownTenant(tx: TenantTx): Promise<TenantRow> {
    const tenant = await findOwnTenant(tx);
    // The caller's own tenant exists while its token does (as findOneOrFail assumed).
    if (!tenant) throw new Error(`tenant ${tx.tenantId} not found`);
    return tenant;
  }

  private async assertNotLastAdmin(tx: TenantTx, exceptId: string): Promise<void> {
    // Lock the admins so two concurrent demotions cannot both pass.
    const admins = await lockAdminIds(tx);
    if (!admins.some((id) => id !== exceptId)) throw new AppError('last_admin');
  }
}
