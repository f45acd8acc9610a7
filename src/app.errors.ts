/**
 * The error catalog, assembled at the app root: common's codes plus every module's
 * (src/<m>/<m>.errors.ts). src/common imports no module, so the modules' codes reach
 * common/errors.ts from here: the type by declaration merging (ErrorCode), the values by
 * registerErrors() when this file loads (app.module.ts imports it; Jest's setupFiles too).
 * A new module with codes adds one line here.
 */
import { AUTH_ERRORS } from './auth/auth.errors.js';
import { COMMON_ERRORS, type ErrorCatalog, registerErrors } from './common/errors.js';
import { DEVICES_ERRORS } from './devices/devices.errors.js';
import { ESCALATION_ERRORS } from './escalation/escalation.errors.js';
import { TENANCY_ERRORS } from './tenancy/tenancy.errors.js';
import { TICKETS_ERRORS } from './tickets/tickets.errors.js';

/** One map for every module's codes; a code can only be thrown if it is here. */
export const ERRORS = {
  ...COMMON_ERRORS,
  ...AUTH_ERRORS,
  ...TENANCY_ERRORS,
  ...DEVICES_ERRORS,
  ...TICKETS_ERRORS,
  ...ESCALATION_ERRORS,
} as const satisfies ErrorCatalog;

type AppErrors = typeof ERRORS;

declare module './common/errors.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ModuleErrorCodes extends AppErrors {}
}

registerErrors(ERRORS);
