/**
 * The role requests run as. Created by the first migration: NOLOGIN, not a
 * superuser, no BYPASSRLS, owns nothing. Migrations run as the operator's
 * DATABASE_URL role; every pooled runtime connection takes this role.
 * (The tables' row-level-security SQL lives in migrations/support.ts; queries write
 * tenant_id from their TenantTx, never from the session setting.)
 */
export const RUNTIME_ROLE = 'lockdesk_app';
