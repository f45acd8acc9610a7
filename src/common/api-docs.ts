import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto.js';

/** 400 with per-field errors: for routes that take a body or query. */
export const ApiValidation = () =>
  ApiBadRequestResponse({
    type: ProblemDto,
    description: 'Invalid or unknown fields (problem+json with `errors`)',
  });

/** 404, also for another tenant's ids. */
export const ApiNotFound = (what: string) =>
  ApiNotFoundResponse({ type: ProblemDto, description: `${what} not found (or not yours)` });

export const ApiBodyAndId = (what: string) => applyDecorators(ApiValidation(), ApiNotFound(what));
