import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { constraintViolationOf } from '../adapters/db/constraint-errors';
import { ConstraintViolation, DomainError, type DomainErrorCode, TooManyRequests } from '../domain/errors';

const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  illegal_transition: 409,
  unprocessable: 422,
  payload_too_large: 413,
  range_not_satisfiable: 416,
  too_many_requests: 429,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** The HTTP status of a domain error, as every route answers it. */
export function statusOf(err: DomainError): number {
  return STATUS_BY_CODE[err.code];
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Maps every error to `{ error: { code, message } }`; 5xx are logged with context and never leak internals. */
export function handleHttpError(thrown: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const err = constraintViolationOf(thrown) ?? thrown;
  if (err instanceof ConstraintViolation) {
    return reply.status(STATUS_BY_CODE[err.code]).send(errorBody(err.code, err.message, err.field ? { field: err.field } : undefined));
  }
  if (err instanceof TooManyRequests) reply.header('retry-after', String(err.retryAfterSeconds));
  if (err instanceof DomainError) {
    return reply.status(STATUS_BY_CODE[err.code]).send(errorBody(err.code, err.message));
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({ path: `${err.validationContext ?? ''}${v.instancePath}`, message: v.message }));
    const first = issues[0];
    return reply
      .status(400)
      .send(errorBody('validation_failed', first ? `Invalid ${first.path || 'request'}: ${first.message}` : 'Invalid request', issues));
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && err instanceof SyntaxError)) {
    return reply.status(400).send(errorBody('malformed_json', `The request body is not valid JSON: ${err.message}`));
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return reply.status(400).send(errorBody('malformed_json', 'The request body is empty but Content-Type says JSON'));
  }
  if (fe.statusCode === 413) {
    return reply.status(413).send(errorBody('payload_too_large', fe.message || 'The request body is too large'));
  }
  if (fe.statusCode === 415) {
    return reply.status(415).send(errorBody('unsupported_media_type', fe.message));
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return reply.status(fe.statusCode).send(errorBody('bad_request', fe.message));
  }
  req.log.error({ err, route: req.routeOptions.url }, 'request failed');
  return reply.status(500).send(errorBody('internal', 'Something went wrong on our side; the error has been logged'));
}
