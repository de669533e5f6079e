import { DomainError, type DomainErrorKind } from '../core/errors/domain-error.js';

/** Every refusal of the scheduling module, by machine-readable code. */
export enum SchedulingErrorCode {
  InvalidSpecialty = 'scheduling.invalid_specialty',
  PolicyNotFound = 'scheduling.policy_not_found',
}

export class SchedulingError extends DomainError<SchedulingErrorCode> {
  constructor(code: SchedulingErrorCode, kind: DomainErrorKind, message: string, details?: unknown[]) {
    super(code, kind, message, details);
  }
}
