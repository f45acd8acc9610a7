import { ApiProperty } from '@nestjs/swagger';
import type { TenantRow } from './tenant-records.repository.js';
import { ROLES, type Role, TENANT_KINDS, type TenantKind } from './types.js';
import type { UserRow } from './users.repository.js';

export class TenantView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Harbor Property Group' }) name!: string;
  @ApiProperty({ enum: TENANT_KINDS }) kind!: TenantKind;
  @ApiProperty({
    example: 'harbor-property-group',
    description: 'Public slug partners are linked by',
  })
  handle!: string;
  @ApiProperty() createdAt!: string;
}

export class UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ example: 'ana@harbor.example' }) email!: string;
  @ApiProperty({ example: 'Ana Silva' }) name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ description: 'Away agents are skipped by automatic assignment' }) away!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export function tenantView(t: TenantRow): TenantView {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    handle: t.handle,
    createdAt: t.created_at.toISOString(),
  };
}

/** What the API says about a person: never the password hash. */
export function userView(u: UserRow): UserView {
  return {
    id: u.id,
    tenantId: u.tenant_id,
    email: u.email,
    name: u.name,
    role: u.role,
    away: u.away,
    createdAt: u.created_at.toISOString(),
    updatedAt: u.updated_at.toISOString(),
  };
}
