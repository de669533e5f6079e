import { DomainError, type DomainErrorKind } from '../core/errors/domain-error.js';

/** Refusals of the users module, by machine-readable code. */
export enum UserErrorCode {
  LinkNotUsable = 'user.link_not_usable',
}

export class UserError extends DomainError<UserErrorCode> {
  constructor(code: UserErrorCode, kind: DomainErrorKind, message: string, details?: unknown[]) {
    super(code, kind, message, details);
  }
}
