import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError, type FieldError } from './errors.js';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    // Optional fields skip validation when absent: a missing field here is a required one.
    if (e.value === undefined && e.constraints && !e.constraints.whitelistValidation) {
      out.push({ field, message: e.constraints.isDefined ?? `${field} is required` });
      continue;
    }
    for (const message of Object.values(e.constraints ?? {})) {
      out.push({
        field,
        message: message.replace(/^property (\S+) should not exist$/, 'unknown field $1'),
      });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/** Rejects what it does not know (unknown fields are 400), converts types, names every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    // `value` only to tell a missing field; values are never echoed back.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) =>
      new AppError('validation_failed', 'One or more fields are invalid.', {
        errors: flatten(errors),
      }),
  });
}
