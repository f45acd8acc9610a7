import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role, TENANT_KINDS, type TenantKind } from '../types.js';

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
