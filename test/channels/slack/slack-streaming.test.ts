import assert from 'node:assert/strict';
import { webApi } from '@slack/bolt';
import { OPEN_GATE } from '../../../src/channels/slack/ack-gate';
import { SlackProfileCache } from '../../../src/channels/slack/profile-cache';
import type { SlackDeps } from '../../../src/channels/slack/slack-deps';
import { messageJob, REPLY_EVENT_TYPE, slackJobHandlers } from '../../../src/channels/slack/slack-jobs';
import type { ConversationService } from '../../../src/core/conversation-service';
import { IdentityService } from '../../../src/core/identity-service';
import { InteractionService } from '../../../src/core/interaction-service';
import type { AnswerProgress, IncomingMessage } from '../../../src/core/messages';
import type { AppDataSource } from '../../../src/db/data-source';
import { createLogger } from '../../../src/observability/logger';
import { addContent, makeService } from '../../helpers/conversation';
import { forEachBackend } from '../../helpers/databases';
import { type FakeSlackApi, type RecordedCall, TEAM_ID } from '../../helpers/fake-slack-api';
import { blockActions, envelope, mentionEvent, messageEvent, newId, type SlackSender, slashCommand } from './slack-requests';
import { type RunningSlack, startSlackServer } from './slack-server';

const SECRET = 'test-signing-secret-stream';

// Invented topics, so other suites' content in the shared database cannot answer these questions.
const DOCS = [
  {
    title: 'Glazing the Quellmoor teapot',
    content:
      'To glaze the Quellmoor teapot, dip it twice in the celadon bath and let it dry overnight. Fire it at cone six with the lid off.',
    metadata: { url: 'https://pottery.example.test/quellmoor/glaze?bath=celadon&dips=2' },
  },
  { title: 'Quellmoor teapot handles', content: 'Attach the Quellmoor handle when the clay is leather hard, scoring both surfaces first.' },
];

forEachBackend('Slack streaming and agent messaging over HTTP', (backend) => {
  let ds: AppDataSource;
  let fake: FakeSlackApi;
  let running: RunningSlack;
  let slack: SlackSender;
  /** when set, the answer text reaches the channel in this many growing pieces, 40 ms apart (as a token stream would) */
  let chunks = 0;
  /** when set, the text reported while answering (a model that failed midway), which the final answer replaces */
  let draft = '';
  /** how many growing texts the channel was given (the throttle sends fewer appends) */
  let forwarded = 0;

  /** The real service, reporting its answer text in pieces when `chunks` is set. */
  const chunked = (real: ConversationService): ConversationService => {
    const wrapper = Object.create(real) as ConversationService;
    wrapper.handle = (msg: IncomingMessage, progress: AnswerProgress = {}) => {
      // The service already streams (sentence by sentence offline); each new part is cut into `chunks` pieces.
      let shown = '';
      return real.handle(msg, {
        ...progress,
        onText: async (text: string) => {
          if (draft) return progress.onText?.(draft);
          if (!chunks) return progress.onText?.(text);
          const from = text.startsWith(shown) ? shown.length : 0;
          const size = Math.max(1, Math.ceil((text.length - from) / chunks));
          for (let end = from + size; end < text.length + size; end += size) {
            shown = text.slice(0, Math.min(end, text.length));
            forwarded++;
            await progress.onText?.(shown);
            await new Promise((r) => setTimeout(r, 40));
          }
        },
      });
    };
    return wrapper;
  };

  before(async () => {
    ds = await backend.dataSource();
    await addContent(ds, DOCS);
    running = await startSlackServer(ds, {
      secret: SECRET,
      agentFeatures: true,
      conversation: chunked,
      options: { streamIntervalMs: 100 },
    });
    ({ fake, slack } = running);
  });
  afterEach(() => {
    chunks = 0;
    forwarded = 0;
    draft = '';
  });
  after(async () => running?.close());

  const newUser = (name: string) => {
    const id = newId('U');
    fake.users.set(id, { name, email: `${id.toLowerCase()}@example.test` });
    return id;
  };
  const inChannel = (channel: string) => (c: RecordedCall) => c.body.channel === channel || c.body.channel_id === channel;
  const rowsFor = (channelId: string) =>
    ds.query(`SELECT * FROM chat_messages WHERE channel = 'slack' AND conversation_id = $1 ORDER BY created_at`, [channelId]);
  const streamCalls = (channel: string) =>
    fake.calls.filter((c) => c.method.startsWith('chat.') && c.method.endsWith('Stream') && c.body.channel === channel);
  const feedbackButtons = (stop: RecordedCall) => {
    const block = (stop.body.blocks as Array<{ type: string; elements?: any[] }>).find((b) => b.type === 'context_actions');
    return block?.elements?.find((e) => e.type === 'feedback_buttons');
  };
  const settle = () => new Promise((r) => setTimeout(r, 300));

  it('DM: assistant status, the search as a task step with its sources, the answer streamed as Markdown, stopped with sources, cards and feedback_buttons', async () => {
    const dm = newId('D');
    const user = newUser('Lucie Rie');
    const event = messageEvent({ channel: dm, user, text: 'How do I glaze the Quellmoor teapot?' });
    assert.equal((await slack.event(envelope(event))).status, 200);

    const [stop] = await fake.waitFor('chat.stopStream', inChannel(dm));
    const statuses = fake.callsOf('assistant.threads.setStatus', inChannel(dm));
    assert.ok(statuses.length >= 1, 'the status is shown');
    assert.equal(statuses[0].body.thread_ts, event.ts);
    assert.match(statuses[0].body.status, /searching/);
    assert.ok(Array.isArray(statuses[0].body.loading_messages) && statuses[0].body.loading_messages.length > 0);
    assert.deepEqual(fake.callsOf('reactions.add', inChannel(dm)), [], 'no ⏳ where the status works');

    const calls = streamCalls(dm);
    assert.deepEqual(
      calls.map((c) => c.method),
      ['chat.startStream', 'chat.appendStream', 'chat.stopStream'],
      'the step starts the stream; the text (reported once today) follows it',
    );
    const [start, append] = calls;
    assert.ok(statuses[0].at <= start.at);
    assert.equal(start.body.markdown_text, undefined, 'the stream starts with the step, before any text');
    const [step] = start.body.chunks;
    assert.deepEqual(
      [step.type, step.id, step.title, step.status],
      ['task_update', 'retrieval', 'Searched the learning content', 'complete'],
    );
    assert.match(step.details, /^\d+ passages? found$/);
    assert.deepEqual(
      step.sources.map((x: { type: string; url: string; text: string }) => [x.type, x.url, x.text.replace(/^\[\d+\] /, '')]),
      [['url', 'https://pottery.example.test/quellmoor/glaze?bath=celadon&dips=2', 'Glazing the Quellmoor teapot']],
      'the passage with a link is a source of the step',
    );
    if (step.output !== undefined) assert.doesNotMatch(step.output, /Glazing the Quellmoor teapot/, 'a linked passage is not listed twice');

    assert.equal(start.body.thread_ts, event.ts, 'each question is a thread');
    assert.equal(start.body.recipient_user_id, undefined, 'no recipient needed in a DM');
    const [row] = await rowsFor(dm);
    assert.equal(row.thread_id, event.ts, "the turn belongs to the question's thread");
    assert.ok(append.body.markdown_text && row.response.startsWith(append.body.markdown_text), 'then the text, from its start');
    const stream = fake.streams.get(stop.body.ts)!;
    assert.equal(stream.text, row.response, 'the streamed Markdown is the stored answer');
    assert.deepEqual(
      stream.chunks.map((c) => c.type),
      ['task_update', ...stream.chunks.slice(1).map(() => 'markdown_text')],
      'what the message shows, in order: the step, then text only',
    );
    const sourcesLine = (stop.body.blocks as Array<{ type: string; elements?: Array<{ text: string }> }>)[0].elements![0].text;
    assert.match(
      sourcesLine,
      /<https:\/\/pottery\.example\.test\/quellmoor\/glaze\?bath=celadon&amp;dips=2\|Glazing the Quellmoor teapot>/,
      'the cited source is a link',
    );
    assert.match(stream.text, /celadon/);
    const types = (stop.body.blocks as Array<{ type: string }>).map((b) => b.type);
    assert.equal(types[0], 'context', 'sources and confidence first');
    assert.match(JSON.stringify(stop.body.blocks), /Confidence \d+%/);
    assert.equal(types[types.length - 1], 'context_actions');
    assert.equal(feedbackButtons(stop).positive_button.value, `up:${row.id}`);
    assert.ok(!JSON.stringify(stop.body.blocks).includes('feedback_up'), 'no second set of buttons');
    assert.equal(stop.body.metadata.event_type, REPLY_EVENT_TYPE);
    await settle();
    assert.deepEqual(fake.callsOf('chat.postMessage', inChannel(dm)), [], 'answered once, in the stream');
    assert.ok(
      !fake.callsOf('assistant.threads.setStatus', inChannel(dm)).some((c) => c.body.status === ''),
      'the reply cleared the status',
    );
    const [ref] = await ds.query(`SELECT reply_ref FROM processed_events WHERE platform = 'slack' AND event_id = $1`, [
      `${dm}:${event.ts}`,
    ]);
    assert.equal(ref.reply_ref, stop.body.ts, 'the stream message is the recorded reply');
  });

  it('a token stream: startStream, throttled appendStream calls with growing Markdown, stopStream with the rest', async () => {
    chunks = 12;
    const dm = newId('D');
    await slack.event(
      envelope(messageEvent({ channel: dm, user: newUser('Bernard Leach'), text: 'How do I glaze the Quellmoor teapot?' })),
    );
    const [stop] = await fake.waitFor('chat.stopStream', inChannel(dm));
    const calls = streamCalls(dm);
    assert.equal(calls[0].method, 'chat.startStream');
    assert.equal(calls[calls.length - 1].method, 'chat.stopStream');
    const appends = calls.filter((c) => c.method === 'chat.appendStream');
    assert.ok(appends.length >= 1, 'appended while the answer grew');
    assert.ok(appends.length < forwarded - 1, `throttled: ${appends.length} appends for ${forwarded} pieces`);
    for (let i = 1; i < appends.length; i++) assert.ok(appends[i].at - appends[i - 1].at >= 90, 'at most one append per interval');
    const pieces = calls.map((c) => c.body.markdown_text ?? '');
    assert.equal(calls[0].body.chunks[0].type, 'task_update', 'the stream starts with the retrieval step');
    assert.ok(
      pieces.slice(1, -1).every((p) => p.length > 0),
      'every append adds text',
    );
    const [row] = await rowsFor(dm);
    assert.equal(pieces.join(''), row.response, 'the pieces add up to the answer');
    assert.equal(fake.streams.get(stop.body.ts)!.text, row.response);
    assert.ok(feedbackButtons(stop));
    assert.deepEqual(
      fake.callsOf('assistant.threads.setStatus', inChannel(dm)).map((c) => c.body.status.replace(/^is (\w+).*$/, '$1')),
      ['searching', 'writing'],
    );
  });

  it('a final answer that is not what was streamed replaces the streamed text (the final reply is the truth)', async () => {
    draft = 'The model started to say something about kilns and then';
    const dm = newId('D');
    await slack.event(
      envelope(messageEvent({ channel: dm, user: newUser('Gertrud Natzler'), text: 'How do I glaze the Quellmoor teapot?' })),
    );
    const [update] = await fake.waitFor('chat.update', inChannel(dm));
    const [append] = fake.callsOf('chat.appendStream', inChannel(dm));
    const [stop] = fake.callsOf('chat.stopStream', inChannel(dm));
    assert.equal(append.body.markdown_text, draft);
    assert.equal(stop.body.markdown_text, undefined, 'the draft is not continued');
    assert.equal(update.body.ts, stop.body.ts);
    const [row] = await rowsFor(dm);
    assert.equal(update.body.blocks[0].type, 'markdown');
    assert.equal(update.body.blocks[0].text, row.response);
    assert.equal(update.body.blocks[update.body.blocks.length - 1].type, 'context_actions');
    await settle();
    assert.deepEqual(fake.callsOf('chat.postMessage', inChannel(dm)), []);
  });

  it('a channel @mention streams in the thread with recipient_team_id and recipient_user_id (and shows ⏳)', async () => {
    const ch = newId('C');
    const user = newUser('Hamada Shoji');
    const event = mentionEvent({ channel: ch, user, text: '<@UBOT0001> how do I attach the Quellmoor handle?' });
    await slack.event(envelope(event));
    await fake.waitFor('chat.stopStream', inChannel(ch));
    const [start] = fake.callsOf('chat.startStream', inChannel(ch));
    assert.equal(start.body.thread_ts, event.ts);
    assert.equal(start.body.recipient_team_id, TEAM_ID);
    assert.equal(start.body.recipient_user_id, user);
    assert.equal(fake.callsOf('reactions.add', inChannel(ch)).length, 1, 'the reaction where there is no assistant status');
    await fake.waitFor('reactions.remove', inChannel(ch));
    assert.deepEqual(fake.callsOf('chat.postMessage', inChannel(ch)), []);
  });

  it('a feedback_buttons click is stored on the chat message; a click by someone else is refused and stores nothing', async () => {
    const dm = newId('D');
    const user = newUser('Marguerite Wildenhain');
    await slack.event(envelope(messageEvent({ channel: dm, user, text: 'How do I glaze the Quellmoor teapot?' })));
    const [stop] = await fake.waitFor('chat.stopStream', inChannel(dm));
    const buttons = feedbackButtons(stop);
    const [row] = await rowsFor(dm);
    const click = (who: string, value: string, responseUrl: string) => {
      const payload = blockActions({ user: who, channel: dm, actionId: 'answer_feedback', value, responseUrl, messageTs: stop.body.ts });
      (payload.actions as any[])[0] = {
        type: 'feedback_buttons',
        action_id: 'answer_feedback',
        block_id: 'feedback',
        value,
        action_ts: '1',
      };
      return slack.interaction(payload);
    };

    const strangerUrl = fake.responseUrl();
    assert.equal((await click(newUser('Stranger'), buttons.positive_button.value, strangerUrl)).status, 200);
    const [refused] = await fake.waitFor('response_url', (c) => strangerUrl.endsWith(c.body.response_url_id));
    assert.match(refused.body.text, /only be given on your own answers/);
    assert.equal((await ds.query(`SELECT feedback FROM chat_messages WHERE id = $1`, [row.id]))[0].feedback, null);

    const thanksUrl = fake.responseUrl();
    assert.equal((await click(user, buttons.negative_button.value, thanksUrl)).status, 200);
    const [thanks] = await fake.waitFor('response_url', (c) => thanksUrl.endsWith(c.body.response_url_id));
    assert.match(thanks.body.text, /Thanks for the feedback/);
    assert.equal((await ds.query(`SELECT feedback FROM chat_messages WHERE id = $1`, [row.id]))[0].feedback, -1);
  });

  it('a workspace that refuses chunks (no task steps) still gets the answer streamed, without the step', async () => {
    const dm = newId('D');
    fake.refuseChunks = true;
    try {
      await slack.event(
        envelope(messageEvent({ channel: dm, user: newUser('Ruth Duckworth'), text: 'How do I glaze the Quellmoor teapot?' })),
      );
      const [stop] = await fake.waitFor('chat.stopStream', inChannel(dm));
      const starts = fake.callsOf('chat.startStream', inChannel(dm));
      assert.deepEqual(
        starts.map((c) => [c.body.chunks?.[0]?.type, typeof c.body.markdown_text]),
        [
          ['task_update', 'undefined'],
          [undefined, 'string'],
        ],
        'the step was tried once, then the text started the stream',
      );
      const stream = fake.streams.get(stop.body.ts)!;
      const [row] = await rowsFor(dm);
      assert.equal(stream.text, row.response);
      assert.ok(
        stream.chunks.every((c) => c.type === 'markdown_text'),
        'no step in the message',
      );
      assert.equal(fake.streams.size > 0 && [...fake.streams.values()].filter((x) => x.channel === dm).length, 1, 'one message');
      await settle();
      assert.deepEqual(fake.callsOf('chat.postMessage', inChannel(dm)), [], 'answered once, in the stream');
    } finally {
      fake.refuseChunks = false;
    }
  });

  it('streaming refused: the whole answer arrives once as an ordinary message with its blocks', async () => {
    const dm = newId('D');
    // refused with the retrieval step, then refused again without it (the text)
    fake.enqueue('chat.startStream', { error: 'streaming_not_allowed' }, { error: 'streaming_not_allowed' });
    const event = messageEvent({ channel: dm, user: newUser('Shinsaku Hamada'), text: 'How do I glaze the Quellmoor teapot?' });
    await slack.event(envelope(event));
    const [post] = await fake.waitFor('chat.postMessage', inChannel(dm));
    assert.equal(post.body.thread_ts, event.ts, "in the question's thread, where the status was shown");
    assert.equal(post.body.blocks[0].type, 'markdown');
    assert.match(post.body.blocks[0].text, /celadon/);
    assert.ok(
      post.body.blocks.some((b: { type: string }) => b.type === 'actions'),
      'our feedback buttons',
    );
    await settle();
    assert.equal(fake.callsOf('chat.postMessage', inChannel(dm)).length, 1);
    await fake.waitFor('assistant.threads.setStatus', (c) => inChannel(dm)(c) && c.body.status === '');
    assert.deepEqual(
      streamCalls(dm).map((c) => [c.method, c.status]),
      [
        ['chat.startStream', 200],
        ['chat.startStream', 200],
      ],
      'nothing streamed after the refusals',
    );
  });

  it('streaming broken midway: the partial message is removed and the whole answer posted once', async () => {
    chunks = 12;
    const dm = newId('D');
    fake.enqueue('chat.appendStream', { error: 'message_not_in_streaming_state' });
    await slack.event(envelope(messageEvent({ channel: dm, user: newUser('Janet Leach'), text: 'How do I glaze the Quellmoor teapot?' })));
    const [post] = await fake.waitFor('chat.postMessage', inChannel(dm));
    const [append] = fake.callsOf('chat.appendStream', inChannel(dm));
    const [deleted] = await fake.waitFor('chat.delete', inChannel(dm));
    assert.equal(deleted.body.ts, append.body.ts, 'the partial stream message is deleted');
    assert.ok(deleted.at <= post.at, 'before the answer is posted');
    assert.equal(fake.streams.get(append.body.ts), undefined);
    const [row] = await rowsFor(dm);
    assert.equal(post.body.blocks[0].text, row.response);
    await settle();
    assert.equal(fake.callsOf('chat.postMessage', inChannel(dm)).length, 1, 'posted once');
    assert.equal(fake.callsOf('chat.appendStream', inChannel(dm)).length, 1, 'no more appends after the failure');
  });

  it('/learn answers privately through response_url with a markdown block, never streamed', async () => {
    const channelId = newId('C');
    const responseUrl = fake.responseUrl();
    await slack.command(
      slashCommand({ text: 'how do I glaze the Quellmoor teapot?', user: newUser('Kawai Kanjiro'), channel: channelId, responseUrl }),
    );
    const [answer] = await fake.waitFor('response_url', (c) => responseUrl.endsWith(c.body.response_url_id));
    assert.equal(answer.body.response_type, 'ephemeral');
    assert.equal(answer.body.blocks[0].type, 'markdown');
    assert.match(answer.body.blocks[0].text, /celadon/);
    assert.ok(
      answer.body.blocks.some((b: { type: string }) => b.type === 'actions'),
      'our feedback buttons',
    );
    await settle();
    assert.deepEqual(streamCalls(channelId), []);
    assert.deepEqual(fake.callsOf('assistant.threads.setStatus', inChannel(channelId)), []);
  });

  it('a retried job whose earlier attempt started a stream finishes that message and posts nothing new', async () => {
    const dm = newId('D');
    const user = newUser('Michael Cardew');
    const questionTs = `${Math.floor(Date.now() / 1000)}.424242`;
    const client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    // the earlier attempt: the stream started (and was recorded), then the worker died
    const started = await client.chat.startStream({ channel: dm, thread_ts: questionTs, markdown_text: 'To glaze the Quell' });
    const logger = createLogger('silent');
    const deps: SlackDeps = {
      conversation: makeService(ds),
      interactions: new InteractionService(ds),
      identities: new IdentityService(ds),
      logger,
      profiles: new SlackProfileCache(logger),
      accept: async () => 'accepted',
      ackGate: OPEN_GATE,
      progressReaction: 'hourglass_flowing_sand',
      streaming: { enabled: true, minIntervalMs: 100 },
    };
    const recorded: string[] = [];
    const key = `${dm}:${questionTs}`;
    await slackJobHandlers(deps, client).run(
      messageJob(
        TEAM_ID,
        { channel: dm, user, ts: questionTs, replyThreadTs: null, text: 'How do I glaze the Quellmoor teapot?' },
        {
          type: 'question',
          text: 'How do I glaze the Quellmoor teapot?',
          messageId: key,
        },
      ),
      {
        jobId: 'job-1',
        attempt: 2,
        key,
        signal: new AbortController().signal,
        recordedReply: async () => `stream:${started.ts}`,
        recordReply: async (ref) => {
          recorded.push(ref);
        },
      },
    );
    const [update] = fake.callsOf('chat.update', inChannel(dm));
    assert.equal(update.body.ts, started.ts, 'the started message is finished');
    assert.equal(update.body.blocks[0].type, 'markdown');
    assert.match(update.body.blocks[0].text, /celadon/);
    assert.ok(update.body.blocks.some((b: { type: string }) => b.type === 'context_actions'));
    assert.equal(fake.streams.get(started.ts!)!.open, false, 'the stream is closed');
    assert.deepEqual(fake.callsOf('chat.postMessage', inChannel(dm)), []);
    assert.deepEqual(fake.callsOf('chat.startStream', inChannel(dm)).length, 1, 'no second stream');
    assert.deepEqual(recorded, [started.ts]);
  });

  it('opening the DM (Messages tab) sets the suggested prompts every time and greets only the first time', async () => {
    const user = newUser('Beatrice Wood');
    const dm = `D${user.slice(1)}`;
    const opened = () => slack.event(envelope({ type: 'app_home_opened', user, channel: dm, tab: 'messages', event_ts: '1.2' }));
    assert.equal((await opened()).status, 200);
    const [greeting] = await fake.waitFor('chat.postMessage', inChannel(dm));
    assert.match(greeting.body.text, /learning assistant/);
    const [prompts] = await fake.waitFor('assistant.threads.setSuggestedPrompts', inChannel(dm));
    assert.ok(prompts.body.prompts.length >= 1 && prompts.body.prompts.length <= 4);
    assert.equal((await opened()).status, 200);
    await fake.waitFor('assistant.threads.setSuggestedPrompts', inChannel(dm), { count: 2 });
    await settle();
    assert.equal(fake.callsOf('chat.postMessage', inChannel(dm)).length, 1, 'greeted once');
    assert.deepEqual(
      fake.callsOf('views.publish', (c) => c.body.user_id === user),
      [],
      'the Home tab is not published for the Messages tab',
    );
  });
});
