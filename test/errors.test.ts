import assert from 'node:assert/strict';
import { AnswerTimeoutError } from '../src/ai/answer-chain';
import { LearningUnavailable } from '../src/channels/slack/learning';
import { AppError, asCodedError, isAppError, UnknownError } from '../src/errors';
import { IngestError } from '../src/ingest/load-document';

describe('errors', () => {
  it('AppError carries a stable code, a message and its cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new AppError('DB_UNREACHABLE', 'Cannot reach the database.', { cause });
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'AppError');
    assert.equal(err.code, 'DB_UNREACHABLE');
    assert.equal(err.cause, cause);
    assert.ok(isAppError(err));
    assert.ok(isAppError(err, 'DB_UNREACHABLE'));
    assert.ok(!isAppError(err, 'NOT_FOUND'));
  });

  it('every error of ours is an AppError with a code of its own', () => {
    const all = [
      new IngestError('PARSE_FAILED', 'Could not parse x.', { filePath: 'x.pdf' }),
      new AnswerTimeoutError(5000),
      new LearningUnavailable(),
    ];
    assert.deepEqual(
      all.map((e) => [e.name, e.code, isAppError(e)]),
      [
        ['IngestError', 'PARSE_FAILED', true],
        ['AnswerTimeoutError', 'ANSWER_TIMEOUT', true],
        ['LearningUnavailable', 'LEARNING_UNAVAILABLE', true],
      ],
    );
    assert.equal((all[1] as AnswerTimeoutError).timeoutMs, 5000);
  });

  it('asCodedError keeps ours and wraps anything else as UNKNOWN', () => {
    const ours = new AppError('NOT_FOUND', 'gone');
    assert.equal(asCodedError(ours), ours);
    const plain = new TypeError('boom');
    const wrapped = asCodedError(plain);
    assert.ok(wrapped instanceof UnknownError);
    assert.equal(wrapped.code, 'UNKNOWN');
    assert.equal(wrapped.message, 'boom');
    assert.equal((wrapped as UnknownError).original, plain);
    assert.equal(asCodedError('text').message, 'text');
  });
});
