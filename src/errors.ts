/**
 * The one coded error type of the application. Every layer may import this module (it imports
 * nothing of ours): config, db, ai, ingest, core, channels and the command-line tools.
 *
 * Errors that cross a boundary carry a stable `code` (for logs, tests and the channels' global
 * handlers) and a message a person can act on. Subclasses exist where a caller needs more than the
 * code (IngestError's file path, AnswerTimeoutError's limit); they keep the base and a code of their own.
 * Never put secrets in a message or a cause.
 */

/** Codes of the application and the database. */
export type AppErrorCode =
  | 'DB_UNREACHABLE'
  | 'DB_NO_VECTOR_EXTENSION'
  | 'DB_NOT_MIGRATED'
  | 'DB_CONSTRAINT'
  | 'CONFIG_INVALID'
  | 'EMBEDDER_MISMATCH'
  | 'NOT_FOUND'
  | 'BAD_INPUT'
  /** a delivery could not be stored (database or queue unreachable): the platform must not get a 2xx */
  | 'NOT_ACCEPTED'
  /** the web console's OpenID Connect provider could not be reached (discovery or token endpoint) */
  | 'AUTH_PROVIDER_UNREACHABLE';

/** Codes of reading and chunking documents (src/ingest). */
export type IngestErrorCode =
  | 'NOT_FOUND'
  | 'READ_FAILED'
  | 'UNSUPPORTED_TYPE'
  | 'BAD_CONTENT_TYPE'
  | 'EMPTY_DOCUMENT'
  | 'PARSE_FAILED'
  | 'BAD_CHUNK_OPTIONS';

export type ErrorCode =
  | AppErrorCode
  | IngestErrorCode
  /** the model call exceeded its time limit (the answer chain falls back to an extractive answer) */
  | 'ANSWER_TIMEOUT'
  /** progress, quizzes and reports were not switched on for this channel */
  | 'LEARNING_UNAVAILABLE'
  /** the Bot Connector refused an activity (Teams' own error code is on the error as connectorCode) */
  | 'CONNECTOR_REFUSED'
  /** anything that was not one of ours, wrapped by asCodedError */
  | 'UNKNOWN';

/** What every error of ours looks like (bolt-js style): an Error with a stable code. */
export interface CodedError extends Error {
  readonly code: ErrorCode;
}

export class AppError extends Error implements CodedError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
  }
}

/** Something that was not one of our errors, with the original as its cause. */
export class UnknownError extends AppError {
  constructor(readonly original: unknown) {
    super('UNKNOWN', original instanceof Error ? original.message : String(original), { cause: original });
    this.name = 'UnknownError';
  }
}

/** Whether `err` is one of ours (any subclass), optionally with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

/** `err` as a coded error: ours unchanged, anything else wrapped as UNKNOWN. */
export function asCodedError(err: unknown): CodedError {
  return err instanceof AppError ? err : new UnknownError(err);
}
