// Domain errors carry a stable, machine-readable UPPER_SNAKE code. DomainErrorFilter turns them into
// the one JSON error shape { status, code, message, details?, requestId }.
export class DomainError extends Error {
  readonly status: number = 400;
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  override readonly status = 400;
}
export class UnauthenticatedError extends DomainError {
  override readonly status = 401;
}
export class ForbiddenError extends DomainError {
  override readonly status = 403;
}
export class NotFoundError extends DomainError {
  override readonly status = 404;
}
export class ConflictError extends DomainError {
  override readonly status = 409;
}
export class RuleViolationError extends DomainError {
  override readonly status = 422;
}
export class TooManyRequestsError extends DomainError {
  override readonly status = 429;
}
export class UnavailableError extends DomainError {
  override readonly status = 503;
}

export type FieldError = { path: string; code: string; message: string };

export class ValidationError extends DomainError {
  override readonly status = 400;
  constructor(
    message: string,
    readonly fieldErrors: FieldError[],
  ) {
    super('VALIDATION_FAILED', message, { fields: fieldErrors });
  }
}
