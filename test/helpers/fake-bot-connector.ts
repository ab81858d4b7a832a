/**
 * A small fake of the Bot Connector service (the `serviceUrl` Teams and the Emulator hand the bot), on
 * 127.0.0.1 and a random port. Point an activity's `serviceUrl` at `url` and the bot's replies land here.
 *
 *   const connector = new FakeBotConnector();
 *   const { url } = await connector.start();
 *   connector.addMember('29:user', { name: 'Ada', email: 'ada@example.test' });  // for TeamsInfo.getMember
 *   ...
 *   const [card] = await connector.waitFor((a) => a.conversationId === 'c1' && a.activity.type === 'message');
 *   await connector.stop();
 *
 * POST /v3/conversations/{id}/activities               sendToConversation (recorded, replyToId null)
 * POST /v3/conversations/{id}/activities/{replyToId}   replyToActivity   (recorded)
 * PUT  /v3/conversations/{id}/activities/{activityId}  updateActivity    (recorded as an update)
 * GET  /v3/conversations/{id}/members/{userId}         getConversationMember: the member added, else 404
 * POST /v3/conversations                               createConversation (a 1:1 chat: the same id again for the same member)
 * PUT  /upload/{name}                                  a OneDrive upload session (fileConsent uploadUrl): recorded in `uploads`
 *
 * Streaming (personal chats, as Teams does it): a POST whose streaminfo entity has no streamId starts a stream
 * (201 { id }: the stream id); later ones name it (202 {}, recorded with id = the stream id). Teams' rules are
 * checked: sequence 1 first, then increasing; each chunk contains the previous text; the final has no sequence;
 * nothing after the final (403 ContentStreamNotAllowed); violations answer 400 BadArgument and are kept in
 * `streamViolations`. `refuseStreaming` answers streaming requests 403 ContentStreamNotAllowed on demand.
 *
 * No token endpoint: the tests run the bot without an app id (the Emulator path), where replies carry no
 * token; with an app id they only check that unauthenticated requests are refused.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface RecordedActivity {
  /** the conversation id as the bot sent it (URL-decoded; keeps a channel's `;messageid=` suffix) */
  conversationId: string;
  /** the activity replied to (from the URL), or null for sendToConversation */
  replyToId: string | null;
  kind: 'send' | 'reply' | 'update';
  activity: any;
  authorization: string | undefined;
  /** the id the fake gave the posted activity (for a stream's later requests: the stream id) */
  id: string;
  /** when it arrived (Date.now()) */
  at: number;
  /** the activity's streaminfo entity, if any */
  stream?: StreamInfo;
  /** the activity's schema.org Message entity (AI label, citations), if any */
  aiEntity?: any;
}

export interface StreamInfo {
  type: 'streaminfo';
  streamId?: string;
  streamType?: 'informative' | 'streaming' | 'final';
  streamSequence?: number;
}

/** The streaminfo entity of an activity (what Teams reads), if any. */
export const streamInfoOf = (activity: any): StreamInfo | undefined =>
  (activity?.entities as any[] | undefined)?.find((e) => e?.type === 'streaminfo');

export interface MemberInfo {
  name?: string;
  email?: string;
  givenName?: string;
  surname?: string;
  userPrincipalName?: string;
  aadObjectId?: string;
}

export interface RecordedUpload {
  name: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class FakeBotConnector {
  readonly activities: RecordedActivity[] = [];
  readonly memberRequests: Array<{ conversationId: string; userId: string }> = [];
  /** createConversation calls: the parameters and the id answered */
  readonly createdConversations: Array<{ parameters: any; id: string }> = [];
  readonly uploads: RecordedUpload[] = [];
  private readonly members = new Map<string, MemberInfo>();
  private readonly personalChats = new Map<string, string>();
  private server?: Server;
  private counter = 0;
  private baseUrl = '';
  /** answer POSTs with this status instead (e.g. 500 to make sending fail); null = normal */
  failSendsWith: number | null = null;
  /** answer createConversation with this status (e.g. 403 when the app is not installed for the person); null = normal */
  failCreateConversationWith: number | null = null;
  /**
   * Refuse streaming with 403 ContentStreamNotAllowed: 'all' (every streaming request, as when streaming
   * is not allowed), 'chunks' (from the first 'streaming' chunk on: the person pressed Stop), 'final'.
   */
  refuseStreaming: 'all' | 'chunks' | 'final' | null = null;
  /** streaming requests that broke Teams' rules (answered 400) */
  readonly streamViolations: string[] = [];
  private readonly streams = new Map<string, { sequence: number; text: string; final: boolean }>();

  addMember(userId: string, info: MemberInfo): this {
    this.members.set(userId, info);
    return this;
  }

  reset(): void {
    this.activities.length = 0;
    this.memberRequests.length = 0;
    this.createdConversations.length = 0;
    this.uploads.length = 0;
    this.failSendsWith = null;
    this.failCreateConversationWith = null;
    this.refuseStreaming = null;
    this.streamViolations.length = 0;
    this.streams.clear();
  }

  /** An upload URL on this fake, as Teams puts in a fileConsent/invoke's uploadInfo. */
  uploadUrl(name: string): string {
    return `${this.baseUrl}/upload/${encodeURIComponent(name)}`;
  }

  /** Replies (sent or replied) into a conversation, optionally only of one activity type. */
  sentTo(conversationId: string, type?: string): RecordedActivity[] {
    return this.activities.filter((a) => a.conversationId === conversationId && (!type || a.activity.type === type));
  }

  /**
   * Polls until `count` recorded activities match (default 1), then returns the matches; rejects after
   * `timeoutMs` with what was recorded, so a failing test says what the bot did send.
   */
  async waitFor(match: (a: RecordedActivity) => boolean, opts: { count?: number; timeoutMs?: number } = {}): Promise<RecordedActivity[]> {
    const count = opts.count ?? 1;
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      const found = this.activities.filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        const seen = this.activities.map(
          (a) => `${a.kind} ${a.conversationId} ${a.activity.type}${a.activity.text ? ` "${String(a.activity.text).slice(0, 60)}"` : ''}`,
        );
        throw new Error(
          `FakeBotConnector: expected ${count} matching activities, saw ${found.length}. Recorded:\n  ${seen.join('\n  ') || '(none)'}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Teams' streaming rules; a refusal to answer, or null to accept (and record the progress). */
  private checkStream(info: StreamInfo, activity: any): { status: number; code: string; message: string } | null {
    const refuse = (message: string) => ({ status: 403, code: 'ContentStreamNotAllowed', message });
    const bad = (message: string) => {
      this.streamViolations.push(message);
      return { status: 400, code: 'BadArgument', message };
    };
    const type = info.streamType ?? 'streaming';
    if (this.refuseStreaming === 'all') return refuse('Content stream is not allowed');
    if (this.refuseStreaming === 'chunks' && type !== 'informative') return refuse('Content stream was cancelled by the user');
    if (this.refuseStreaming === 'final' && type === 'final') return refuse('Content stream finished due to exceeded streaming time.');
    if (!info.streamId) {
      if (type === 'final') return bad('a final streaming message needs a streamId');
      if (info.streamSequence !== 1) return bad(`a stream starts with streamSequence 1, not ${info.streamSequence}`);
      if (activity.type !== 'typing' || !String(activity.text ?? '')) return bad('Start streaming activities should include text');
      return null;
    }
    const s = this.streams.get(info.streamId);
    if (!s) return bad(`unknown streamId ${info.streamId}`);
    if (s.final) return refuse('Content stream is not allowed on an already completed streamed message');
    const text = String(activity.text ?? '');
    if (type === 'final') {
      if (info.streamSequence !== undefined) return bad('the final streaming message must not have a streamSequence');
      if (activity.type !== 'message') return bad('the final streaming message is a message');
      s.final = true;
      return null;
    }
    if (activity.type !== 'typing') return bad('streaming updates are typing activities');
    if (typeof info.streamSequence !== 'number' || info.streamSequence <= s.sequence) {
      return bad(`streamSequence ${info.streamSequence} does not follow ${s.sequence}`);
    }
    if (type === 'streaming' && !text.startsWith(s.text)) {
      return bad('a streaming chunk must contain the previous content');
    }
    s.sequence = info.streamSequence;
    if (type === 'streaming') s.text = text;
    return null;
  }

  async start(): Promise<{ url: string }> {
    if (this.server) throw new Error('FakeBotConnector already started');
    const app = express();
    app.use(express.json({ limit: '5mb' }));

    const record = (kind: RecordedActivity['kind']) => (req: express.Request, res: express.Response) => {
      if (this.failSendsWith) {
        res.status(this.failSendsWith).json({ error: { code: 'ServiceError', message: 'fake failure' } });
        return;
      }
      const params = req.params as Record<string, string>;
      const stream = streamInfoOf(req.body);
      let id = `fake-${++this.counter}`;
      let status = kind === 'update' ? 200 : 201;
      if (stream) {
        const refusal = this.checkStream(stream, req.body);
        if (refusal) {
          res.status(refusal.status).json({ error: { code: refusal.code, message: refusal.message } });
          return;
        }
        if (stream.streamId) {
          id = stream.streamId;
          status = 202;
        } else this.streams.set(id, { sequence: 1, text: '', final: false });
      }
      this.activities.push({
        conversationId: params.conversationId,
        replyToId: kind === 'reply' ? params.activityId : null,
        kind,
        activity: req.body,
        authorization: req.headers.authorization,
        id: kind === 'update' ? params.activityId : id,
        at: Date.now(),
        ...(stream ? { stream } : {}),
        ...(aiEntityOf(req.body) ? { aiEntity: aiEntityOf(req.body) } : {}),
      });
      if (status === 202) res.status(202).json({});
      else res.status(status).json({ id: kind === 'update' ? params.activityId : id });
    };
    app.put('/upload/:name', express.raw({ type: () => true, limit: '10mb' }), (req, res) => {
      this.uploads.push({
        name: (req.params as Record<string, string>).name,
        headers: req.headers,
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      });
      res.status(201).json({ id: `file-${++this.counter}` });
    });
    app.post('/v3/conversations', (req, res) => {
      if (this.failCreateConversationWith) {
        res.status(this.failCreateConversationWith).json({ error: { code: 'Forbidden', message: 'fake refusal' } });
        return;
      }
      const member = req.body?.members?.[0]?.id ?? '';
      const id = this.personalChats.get(member) ?? `a:personal-${++this.counter}`;
      this.personalChats.set(member, id);
      this.createdConversations.push({ parameters: req.body, id });
      res.status(201).json({ id });
    });
    app.post('/v3/conversations/:conversationId/activities', record('send'));
    app.post('/v3/conversations/:conversationId/activities/:activityId', record('reply'));
    app.put('/v3/conversations/:conversationId/activities/:activityId', record('update'));

    app.get('/v3/conversations/:conversationId/members/:userId', (req, res) => {
      const { conversationId, userId } = req.params as Record<string, string>;
      this.memberRequests.push({ conversationId, userId });
      const m = this.members.get(userId);
      if (!m) {
        res.status(404).json({ error: { code: 'MemberNotFoundInConversation', message: 'The member is not in this conversation.' } });
        return;
      }
      res.json({ id: userId, ...m });
    });

    app.use((req, res) => {
      res.status(404).json({ error: { code: 'NotFound', message: `Unknown route ${req.method} ${req.path}` } });
    });

    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
      s.once('error', reject);
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return { url: this.baseUrl };
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** The schema.org Message entity (Teams' AI label and citations) of an activity, if any. */
export const aiEntityOf = (activity: any): any =>
  (activity?.entities as any[] | undefined)?.find((e) => e?.type === 'https://schema.org/Message');
