// Errors that cross a boundary carry a stable code (for logs and tests) and a message a person can act on.
export type ErrorCode =
  | 'DB_UNREACHABLE'
  | 'DB_NO_VECTOR_EXTENSION'
  | 'DB_NOT_MIGRATED'
  | 'DB_CONSTRAINT'
  | 'CONFIG_INVALID'
  | 'EMBEDDER_MISMATCH'
  | 'NOT_FOUND'
  | 'BAD_INPUT'
  /** a delivery could not be stored (database or queue unreachable): the platform must not get a 2xx */
  | 'NOT_ACCEPTED';

export class AppError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
  }
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
