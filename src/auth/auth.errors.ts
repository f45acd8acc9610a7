import type { ErrorCatalog } from '../common/errors.js';

export const AUTH_ERRORS = {
  invalid_credentials: { status: 401, title: 'Email or password is wrong' },
  invalid_token: { status: 401, title: 'The token is invalid or expired' },
  refresh_token_reused: {
    status: 401,
    title: 'This refresh token was already used; its session has been revoked',
  },
  invalid_api_key: { status: 401, title: 'The API key is invalid or revoked' },
  too_many_login_attempts: { status: 429, title: 'Too many failed login attempts' },
} as const satisfies ErrorCatalog;
