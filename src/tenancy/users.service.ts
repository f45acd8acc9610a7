import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UserActor } from '../auth/actor.js';
import { AuthService } from '../auth/auth.service.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { type TokenPair, TokenService } from '../auth/tokens.service.js';
import type {
  CreateUserDto,
  ListUsersQueryDto,
  UpdateMeDto,
  UpdateUserDto,
} from './dto/users.dto.js';
import { Tenant, type TenantKind } from './tenant.entity.js';
import { ROLES_BY_KIND, type Role, User } from './user.entity.js';
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
        .tenantTransaction(actor.tenantId, async ({ em }) => {
          const now = new Date();
          const user = em.create(User, {
            tenantId: actor.tenantId,
            id: uuidv7(),
            email: dto.email,
            name: dto.name,
            role: dto.role,
            passwordHash,
            away: false,
            passwordChangedAt: now,
            deletedAt: null,
            createdAt: now,
            updatedAt: now,
          });
          await em.insert(User, user);
          const view = userView(user);
          await idem?.complete(em, view);
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
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const qb = em
        .createQueryBuilder(User, 'u')
        .where('u.deleted_at IS NULL')
        .orderBy('u.id', 'ASC')
        .limit(limit + 1);
      if (q.role) qb.andWhere('u.role = :role', { role: q.role });
      if (q.cursor) {
        const [after] = decodeCursor(q.cursor, ['uuid']);
        qb.andWhere('u.id > :after', { after });
      }
      return toPage(await qb.getMany(), limit, (u) => [u.id], userView);
    });
  }

  get(actor: UserActor, id: string): Promise<UserView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) =>
      userView(await this.find(em, id)),
    );
  }

  update(actor: UserActor, id: string, dto: UpdateUserDto): Promise<UserView> {
    if (dto.role) assertRoleFits(actor.tenantKind, dto.role);
    return this.withNewHash(dto.password, (passwordHash) =>
      this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
        const user = await this.find(em, id, true);
        if (dto.role && user.role === 'admin' && dto.role !== 'admin')
          await this.assertNotLastAdmin(em, user.id);
        await this.apply(em, user, {
          name: dto.name,
          role: dto.role,
          away: dto.away,
          passwordHash,
        });
        return userView(user);
      }),
    );
  }

  remove(actor: UserActor, id: string): Promise<void> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const user = await this.find(em, id, true);
      if (user.role === 'admin') await this.assertNotLastAdmin(em, user.id);
      await em.update(User, { id: user.id }, { deletedAt: () => 'now()' });
      await this.auth.revokeSessions(em, user.id);
    });
  }

  me(actor: UserActor): Promise<{ user: UserView; tenant: TenantView }> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => ({
      user: userView(await this.find(em, actor.userId)),
      tenant: tenantView(await em.findOneOrFail(Tenant, { where: { id: actor.tenantId } })),
    }));
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
      this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
        const user = await this.find(em, actor.userId, true);
        if (passwordHash && !(await verifyPassword(user.passwordHash, dto.currentPassword!))) {
          throw new AppError('invalid_credentials', 'The current password is wrong.');
        }
        await this.apply(em, user, { name: dto.name, away: dto.away, passwordHash });
        const tokens = passwordHash ? await this.tokens.issue(em, user) : undefined;
        return { user: userView(user), ...(tokens ? { tokens } : {}) };
      }),
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

  private async apply(
    em: EntityManager,
    user: User,
    change: { name?: string; role?: Role; away?: boolean; passwordHash?: string },
  ): Promise<void> {
    const patch: Partial<User> = {};
    if (change.name !== undefined) patch.name = change.name.trim();
    if (change.role !== undefined) patch.role = change.role;
    if (change.away !== undefined) patch.away = change.away;
    if (change.passwordHash !== undefined) {
      patch.passwordHash = change.passwordHash;
      patch.passwordChangedAt = new Date();
      // Tokens issued before now stop working, even those from this same second.
      patch.tokenVersion = user.tokenVersion + 1;
    }
    if (Object.keys(patch).length === 0) return;
    patch.updatedAt = new Date();
    await em.update(User, { id: user.id }, patch);
    Object.assign(user, patch);
    // A new password ends every session the old one opened.
    if (change.passwordHash !== undefined) await this.auth.revokeSessions(em, user.id);
  }

  private async find(em: EntityManager, id: string, lock = false): Promise<User> {
    const qb = em
      .createQueryBuilder(User, 'u')
      .where('u.id = :id AND u.deleted_at IS NULL', { id });
    if (lock) qb.setLock('pessimistic_write');
    const user = await qb.getOne();
    if (!user) throw notFound('User');
    return user;
  }

  private async assertNotLastAdmin(em: EntityManager, exceptId: string): Promise<void> {
    // Lock the admins so two concurrent demotions cannot both pass.
    const admins = await em
      .createQueryBuilder(User, 'u')
      .setLock('pessimistic_write')
      .where('u.role = :role AND u.deleted_at IS NULL', { role: 'admin' })
      .getMany();
    if (!admins.some((a) => a.id !== exceptId)) throw new AppError('last_admin');
  }
}
