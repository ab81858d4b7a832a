import assert from 'node:assert/strict';
import type { webApi } from '@slack/bolt';
import { SlackAnswerStream } from '../../../src/channels/slack/answer-stream';
import { createLogger } from '../../../src/observability/logger';

describe('SlackAnswerStream', () => {
  it('a workspace that refuses streaming is warned about once per error, then logged at debug level', async () => {
    const lines: Array<{ level: string; msg: string; slackError?: string }> = [];
    const log = createLogger('debug', {}, (line) => lines.push(JSON.parse(line)));
    const refusing = {
      chat: {
        startStream: async () => {
          throw Object.assign(new Error('An API error occurred: not_allowed_token_type'), { data: { error: 'not_allowed_token_type' } });
        },
      },
    } as unknown as webApi.WebClient;
    const team = `T${Date.now()}`;
    const streamFor = () =>
      new SlackAnswerStream(
        refusing,
        { channel: 'D1', threadTs: '1.1', isDm: true, teamId: team, userId: 'U1' },
        { log, onStarted: async () => {}, metadata: { event_type: 'x', event_payload: {} } },
      );
    for (let i = 0; i < 3; i++) {
      const stream = streamFor();
      await stream.onText('Some answer text');
      assert.equal(stream.state, 'refused', 'the worker posts the answer as a message');
    }
    const refusals = lines.filter((l) => l.msg.startsWith('Slack refused to stream'));
    assert.deepEqual(
      refusals.map((l) => l.level),
      ['warn', 'debug', 'debug'],
    );
    assert.equal(refusals[0].slackError, 'not_allowed_token_type');
  });

  it('a refused retrieval step leaves the stream idle, so the first text starts it; no sources, no step', async () => {
    const lines: Array<{ level: string; msg: string }> = [];
    const log = createLogger('debug', {}, (line) => lines.push(JSON.parse(line)));
    const starts: Array<Record<string, unknown>> = [];
    const client = {
      chat: {
        startStream: async (args: Record<string, unknown>) => {
          starts.push(args);
          if (args.chunks)
            throw Object.assign(new Error('An API error occurred: invalid_arguments'), { data: { error: 'invalid_arguments' } });
          return { ok: true, ts: '2.2' };
        },
      },
    } as unknown as webApi.WebClient;
    const started: string[] = [];
    const stream = new SlackAnswerStream(
      client,
      { channel: 'D1', threadTs: '1.1', isDm: true, teamId: `T${Date.now()}`, userId: 'U1' },
      { log, onStarted: async (ts) => void started.push(ts), metadata: { event_type: 'x', event_payload: {} } },
    );
    await stream.onSources([]);
    assert.equal(starts.length, 0, 'nothing found: no step');
    await stream.onSources([{ n: 1, id: 'c1', title: 'Errors', contentType: 'tutorial', similarity: 0.5 }]);
    assert.equal(stream.state, 'idle');
    assert.deepEqual(started, [], 'nothing recorded for a refused step');
    await stream.onText('The answer');
    assert.equal(stream.state, 'streaming');
    assert.deepEqual(
      starts.map((s) => (s.chunks ? 'step' : s.markdown_text)),
      ['step', 'The answer'],
    );
    assert.deepEqual(started, ['2.2']);
    assert.ok(lines.some((l) => l.level === 'warn' && l.msg.startsWith('Slack refused the retrieval step')));
  });
});
