import { ApiProperty } from '@nestjs/swagger';
import { TENANT_KINDS, type Tenant, type TenantKind } from './tenant.entity.js';
import { ROLES, type Role, type User } from './user.entity.js';

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

export function tenantView(t: Tenant): TenantView {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    handle: t.handle,
    createdAt: t.createdAt.toISOString(),
  };
}

/** What the API says about a person: never the password hash. */
export function userView(u: User): UserView {
  return {
    id: u.id,
    tenantId: u.tenantId,
    email: u.email,
    name: u.name,
    role: u.role,
    away: u.away,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}
