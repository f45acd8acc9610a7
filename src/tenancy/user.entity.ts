import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { TenantKind } from './tenant.entity.js';

export const ROLES = ['admin', 'manager', 'agent', 'locksmith', 'manufacturer'] as const;
export type Role = (typeof ROLES)[number];

/** Which roles exist in which kind of tenant. */
export const ROLES_BY_KIND: Record<TenantKind, readonly Role[]> = {
  customer: ['admin', 'manager', 'agent'],
  locksmith: ['admin', 'locksmith'],
  manufacturer: ['admin', 'manufacturer'],
};

@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  email!: string;

  @Column('text')
  name!: string;

  @Column('text')
  role!: Role;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'boolean', default: false })
  away!: boolean;

  @Column({ name: 'password_changed_at', type: 'timestamptz', default: () => 'now()' })
  passwordChangedAt!: Date;

  /** Bumped by every password change; access tokens carry it and older ones are refused. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion!: number;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
