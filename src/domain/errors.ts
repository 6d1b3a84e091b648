/** Typed errors thrown by domain and services; the HTTP layer maps each `code` to a status. */
export type DomainErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'illegal_transition'
  | 'unprocessable'
  | 'payload_too_large'
  | 'range_not_satisfiable'
  | 'too_many_requests';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {
  constructor(what: string, id?: string) {
    super('not_found', id === undefined ? `${what} not found` : `${what} ${id} not found`);
  }
}

export class AccessDenied extends DomainError {
  constructor(message = 'You do not have access to this resource') {
    super('forbidden', message);
  }
}

export class Unauthenticated extends DomainError {
  constructor(message = 'Missing or invalid credentials') {
    super('unauthenticated', message);
  }
}

export class Conflict extends DomainError {
  constructor(message: string) {
    super('conflict', message);
  }
}

export class Unprocessable extends DomainError {
  constructor(message: string) {
    super('unprocessable', message);
  }
}

export class IllegalTransition extends DomainError {
  constructor(
    readonly entity: string,
    readonly from: string,
    readonly to: string,
    detail?: string,
  ) {
    super('illegal_transition', `Cannot move ${entity} from '${from}' to '${to}': it is currently '${from}'${detail ? ` (${detail})` : ''}`);
  }
}

/** A write refused by a unique or foreign-key rule; `field` names the column a client can change. */
export class ConstraintViolation extends DomainError {
  constructor(
    readonly kind: 'unique' | 'reference' | 'referenced',
    readonly field: string | null,
    message: string,
  ) {
    super(kind === 'reference' ? 'unprocessable' : 'conflict', message);
  }
}

export class TooManyRequests extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('too_many_requests', message);
  }
}
