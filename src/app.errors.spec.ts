import { describe, expect, it } from '@jest/globals';
import { AUTH_ERRORS } from './auth/auth.errors.js';
import { ERRORS } from './app.errors.js';
import { AppError, COMMON_ERRORS, registeredErrors, registerErrors } from './common/errors.js';
import { DEVICES_ERRORS } from './devices/devices.errors.js';
import { ESCALATION_ERRORS } from './escalation/escalation.errors.js';
import { TENANCY_ERRORS } from './tenancy/tenancy.errors.js';
import { TICKETS_ERRORS } from './tickets/tickets.errors.js';

const CATALOGS = {
  COMMON_ERRORS,
  AUTH_ERRORS,
  TENANCY_ERRORS,
  DEVICES_ERRORS,
  TICKETS_ERRORS,
  ESCALATION_ERRORS,
};

describe('the error catalog assembled at the app root', () => {
  it('registers every code of every module, once', () => {
    const seen = new Map<string, string>();
    for (const [name, catalog] of Object.entries(CATALOGS)) {
      for (const code of Object.keys(catalog)) {
        expect({ code, in: seen.get(code) ?? name }).toEqual({ code, in: name });
        seen.set(code, name);
        expect(registeredErrors().get(code)).toEqual(ERRORS[code as keyof typeof ERRORS]);
      }
    }
    expect([...registeredErrors().keys()].sort()).toEqual([...seen.keys()].sort());
  });

  it('gives every code an HTTP status and a title', () => {
    for (const [code, spec] of registeredErrors()) {
      expect({ code, ok: Number.isInteger(spec.status) && spec.status >= 400 }).toEqual({
        code,
        ok: true,
      });
      expect(spec.title.length).toBeGreaterThan(0);
    }
  });

  it('answers a module code with its status and title', () => {
    const code = Object.keys(TICKETS_ERRORS)[0] as keyof typeof TICKETS_ERRORS;
    const err = new AppError(code);
    expect(err.status).toBe(TICKETS_ERRORS[code].status);
    expect(err.message).toBe(TICKETS_ERRORS[code].title);
  });

  it('refuses a code defined twice with another meaning', () => {
    expect(() => registerErrors({ not_found: { status: 410, title: 'Gone' } })).toThrow(
      /defined twice/,
    );
    expect(() => registerErrors({ not_found: COMMON_ERRORS.not_found })).not.toThrow();
  });
});
