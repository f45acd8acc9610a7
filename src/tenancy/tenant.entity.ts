import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const TENANT_KINDS = ['customer', 'locksmith', 'manufacturer'] as const;
export type TenantKind = (typeof TENANT_KINDS)[number];

@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  kind!: TenantKind;

  @Column('text')
  handle!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
