/**
 * A small fake of the Slack Web API for tests (127.0.0.1, random port), so @slack/web-api and Bolt run
 * unmodified against it (`clientOptions.slackApiUrl = fake.apiUrl`).
 *
 *   const fake = new FakeSlackApi();
 *   await fake.start();
 *   fake.users.set('U1', { name: 'Ada', email: 'ada@example.test' });
 *   fake.enqueue('chat.postMessage', { status: 429, retryAfter: 1 });   // next call rate-limited
 *   ...
 *   const [post] = await fake.waitFor('chat.postMessage', (c) => c.body.channel === 'D1');
 *   post.body.blocks                                                      // JSON fields are parsed
 *
 * POST /api/<method>   records every call (form-encoded or JSON; `blocks`, `view`, … parsed back from
 *                      JSON) and answers the next queued behaviour for that method, else a default
 *                      (auth.test, chat.postMessage, chat.postEphemeral, chat.update, reactions.add/remove,
 *                      users.info, views.publish, conversations.open (the DM: D + user id without its U),
 *                      files.* (files.uploadV2: getUploadURLExternal → POST /upload/<file id> recorded as
 *                      'files.upload_url' with the bytes → completeUploadExternal), apps.connections.open;
 *                      others: ok:false).
 *                      With `agentFeatures` on (a workspace with agent messaging): chat.startStream /
 *                      appendStream / stopStream (`fake.streams`; a stream outside a DM without
 *                      recipient_team_id / recipient_user_id is refused as Slack would), chat.delete,
 *                      assistant.threads.setStatus / setSuggestedPrompts. Off (the default), those answer
 *                      unknown_method. Refuse streaming on demand: `fake.enqueue('chat.startStream', { error: 'x' })`.
 *                      Stream content is recorded in order in `stream.chunks` (markdown_text as a markdown_text
 *                      chunk); chunks are checked as Slack documents them (a task_update needs id, title and a
 *                      known status; each source is { type: 'url', url: http(s), text }), else invalid_arguments.
 *                      `refuseChunks` (a workspace whose Slack predates task steps) refuses any call with chunks.
 * POST /respond/<id>   a response_url (`fake.responseUrl(id)`): recorded as method 'response_url'.
 * GET  /socket         a minimal Socket Mode WebSocket: sends hello, answers pings, `fake.socketSend()`
 *                      delivers an envelope and resolves with the app's ack.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express, { type Request, type Response } from 'express';

export interface RecordedCall {
  method: string;
  body: any;
  headers: Record<string, string | string[] | undefined>;
  at: number;
  /** the HTTP status the fake answered with */
  status: number;
}

export type Behaviour =
  /** a Slack answer (ok:true unless the body says otherwise) */
  | { body: Record<string, unknown>; delayMs?: number }
  /** HTTP error; with retryAfter a Retry-After header (seconds) */
  | { status: number; retryAfter?: number; delayMs?: number }
  /** ok:false with this error code (HTTP 200, as Slack does) */
  | { error: string; delayMs?: number };

export interface FakeUser {
  name?: string;
  realName?: string;
  email?: string;
  isBot?: boolean;
}

export const BOT_USER_ID = 'UBOT0001';
export const BOT_ID = 'BBOT0001';
export const TEAM_ID = 'TTEAM001';

const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata', 'files', 'chunks', 'prompts', 'loading_messages'];

/** A message streamed with chat.startStream / appendStream / stopStream. */
export interface FakeStream {
  channel: string;
  ts: string;
  threadTs: string;
  /** the Markdown so far */
  text: string;
  /** everything the stream was sent, in order: chunks as sent, markdown_text as { type: 'markdown_text', text } */
  chunks: Array<Record<string, any>>;
  open: boolean;
  blocks?: unknown[];
  recipient?: { team: string; user: string };
}
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export class FakeSlackApi {
  /** what chat.postMessage "posted", per channel (conversations.history / replies read it, with metadata) */
  readonly posted = new Map<string, Array<Record<string, unknown>>>();
  readonly calls: RecordedCall[] = [];
  readonly users = new Map<string, FakeUser>();
  /** extra latency on every call (ms), e.g. to look like the real API in benchmarks */
  latencyMs = 0;
  /** agent messaging: streaming and the assistant status / suggested prompts are answered (see above) */
  agentFeatures = false;
  /** streamed messages by ts */
  readonly streams = new Map<string, FakeStream>();
  /** stream calls carrying `chunks` are refused with invalid_arguments (markdown_text still streams) */
  refuseChunks = false;

  private readonly queues = new Map<string, Behaviour[]>();
  /** file id → the filename given to files.getUploadURLExternal */
  private readonly uploadNames = new Map<string, string>();
  private server?: Server;
  private base = '';
  private tsCounter = 0;
  private readonly sockets = new Set<Socket>();
  private readonly wsClients = new Set<Socket>();
  private readonly acks = new Map<string, (payload: unknown) => void>();

  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  responseUrl(id: string = randomUUID()): string {
    return `${this.base}/respond/${id}`;
  }

  /** Behaviours for the next calls of `method` (FIFO). */
  enqueue(method: string, ...behaviours: Behaviour[]): this {
    const q = this.queues.get(method) ?? [];
    q.push(...behaviours);
    this.queues.set(method, q);
    return this;
  }

  reset(): void {
    this.calls.length = 0;
    this.queues.clear();
    this.latencyMs = 0;
    this.refuseChunks = false;
  }

  callsOf(method: string, where: (c: RecordedCall) => boolean = () => true): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && where(c));
  }

  /**
   * Polls the recorded calls until `count` calls of `method` match (default 1), then returns them.
   * Fails after `timeoutMs` with what was recorded, so a missing answer explains itself.
   */
  async waitFor(
    method: string,
    where: (c: RecordedCall) => boolean = () => true,
    opts: { count?: number; timeoutMs?: number } = {},
  ): Promise<RecordedCall[]> {
    const count = opts.count ?? 1;
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      const found = this.callsOf(method, where);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `waited for ${count} ${method} call(s), saw ${found.length}; recorded: ${this.calls.map((c) => `${c.method}(${c.status})`).join(', ') || 'nothing'}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async start(): Promise<void> {
    const app = express();
    app.use(express.urlencoded({ extended: false, limit: '5mb' }));
    app.use(express.json({ limit: '5mb' }));

    app.post('/api/:method', (req, res) => void this.handleApi(req, res));
    app.post('/respond/:id', (req, res) => {
      this.record('response_url', { ...req.body, response_url_id: req.params.id }, req, 200);
      res.type('text/plain').send('ok');
    });
    app.post('/upload/:id', express.raw({ type: () => true, limit: '20mb' }), (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // @slack/web-api 7 posts the bytes as multipart/form-data (one part); `data` is the file itself
      const data = multipartFile(raw, String(req.headers['content-type'] ?? '')) ?? raw;
      this.record(
        'files.upload_url',
        { file_id: req.params.id, bytes: data.length, data, filename: this.uploadNames.get(req.params.id as string) },
        req,
        200,
      );
      res.type('text/plain').send('OK - 1');
    });
    app.use((_req, res) => res.status(404).json({ ok: false, error: 'unknown_route' }));

    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('upgrade', (req, socket) => this.upgrade(req, socket as Socket));
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.wsClients) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- Web API -------------------------------------------------------------------------------

  private async handleApi(req: Request, res: Response): Promise<void> {
    const method = req.params.method as string;
    const body = parseFields(req.body ?? {});
    const behaviour = this.queues.get(method)?.shift();
    const delay = (behaviour?.delayMs ?? 0) + this.latencyMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (res.destroyed) return;

    if (behaviour && 'status' in behaviour) {
      this.record(method, body, req, behaviour.status);
      if (behaviour.retryAfter !== undefined) res.set('Retry-After', String(behaviour.retryAfter));
      res.status(behaviour.status).json({ ok: false, error: behaviour.status === 429 ? 'ratelimited' : 'fake_http_error' });
      return;
    }
    this.record(method, body, req, 200);
    if (behaviour && 'error' in behaviour) {
      res.json({ ok: false, error: behaviour.error });
      return;
    }
    res.json(behaviour ? { ok: true, ...behaviour.body } : this.defaultAnswer(method, body));
  }

  private defaultAnswer(method: string, body: Record<string, any>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake Team',
          user: 'learning-assistant',
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: BOT_ID,
        };
      case 'chat.postMessage': {
        const ts = this.nextTs();
        const list = this.posted.get(body.channel) ?? [];
        list.push({
          type: 'message',
          ts,
          text: body.text,
          thread_ts: body.thread_ts,
          user: BOT_USER_ID,
          bot_id: BOT_ID,
          ...(body.metadata ? { metadata: typeof body.metadata === 'string' ? JSON.parse(body.metadata) : body.metadata } : {}),
        });
        this.posted.set(body.channel, list);
        return {
          ok: true,
          channel: body.channel,
          ts,
          message: { type: 'message', text: body.text, user: BOT_USER_ID, bot_id: BOT_ID, ts, thread_ts: body.thread_ts },
        };
      }
      case 'chat.update':
        return { ok: true, channel: body.channel, ts: body.ts, text: body.text };
      case 'chat.delete': {
        const list = this.posted.get(body.channel) ?? [];
        const i = list.findIndex((m) => m.ts === body.ts);
        if (i < 0) return { ok: false, error: 'message_not_found' };
        list.splice(i, 1);
        this.streams.delete(body.ts);
        return { ok: true, channel: body.channel, ts: body.ts };
      }
      case 'chat.startStream':
      case 'chat.appendStream':
      case 'chat.stopStream':
        return this.agentFeatures ? this.stream(method, body) : { ok: false, error: 'unknown_method' };
      case 'assistant.threads.setStatus':
      case 'assistant.threads.setSuggestedPrompts':
        return this.agentFeatures ? { ok: true } : { ok: false, error: 'unknown_method' };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'reactions.add':
      case 'reactions.remove':
        return { ok: true };
      case 'users.info': {
        const u = this.users.get(body.user);
        if (!u) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: body.user,
            team_id: TEAM_ID,
            name: u.name ?? body.user.toLowerCase(),
            real_name: u.realName ?? u.name,
            is_bot: !!u.isBot,
            profile: { real_name: u.realName ?? u.name, display_name: u.name, ...(u.email ? { email: u.email } : {}) },
          },
        };
      }
      case 'views.publish':
        return { ok: true, view: { id: `V${this.nextTs().replace('.', '')}`, ...(body.view ?? {}) } };
      case 'files.getUploadURLExternal': {
        const id = `F${this.nextTs().replace('.', '')}`;
        if (typeof body.filename === 'string') this.uploadNames.set(id, body.filename);
        return { ok: true, upload_url: `${this.base}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal':
        return { ok: true, files: (body.files ?? []).map((f: { id: string; title?: string }) => ({ id: f.id, title: f.title })) };
      case 'conversations.open': {
        // the DM with a user: D + the user id, stable per user (users may be comma-separated)
        const users = String(body.users ?? '');
        if (!users) return { ok: false, error: 'users_list_not_supplied' };
        return { ok: true, channel: { id: `D${users.split(',')[0].replace(/^[UW]/, '')}` } };
      }
      case 'conversations.history':
        return { ok: true, messages: [...(this.posted.get(body.channel) ?? [])].reverse(), has_more: false };
      case 'conversations.replies':
        return { ok: true, messages: (this.posted.get(body.channel) ?? []).filter((m) => m.thread_ts === body.ts), has_more: false };
      case 'apps.connections.open':
        return { ok: true, url: `${this.base.replace('http:', 'ws:')}/socket` };
      default:
        if (method.startsWith('files.')) return { ok: true };
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** chat.startStream / appendStream / stopStream on `streams` (the message is also in `posted`, for history and replies). */
  private stream(method: string, body: Record<string, any>): Record<string, unknown> {
    if (body.chunks !== undefined && (this.refuseChunks || !validChunks(body.chunks))) return { ok: false, error: 'invalid_arguments' };
    const received: Array<Record<string, any>> = [
      ...(typeof body.markdown_text === 'string' ? [{ type: 'markdown_text', text: body.markdown_text }] : []),
      ...(body.chunks ?? []),
    ];
    const added = received.map((c) => (c.type === 'markdown_text' ? String(c.text ?? '') : '')).join('');
    if (method === 'chat.startStream') {
      if (!body.thread_ts) return { ok: false, error: 'invalid_arguments' };
      const dm = String(body.channel).startsWith('D');
      if (!dm && (!body.recipient_team_id || !body.recipient_user_id)) return { ok: false, error: 'missing_recipient_user_id' };
      const ts = this.nextTs();
      this.streams.set(ts, {
        channel: body.channel,
        ts,
        threadTs: body.thread_ts,
        text: added,
        chunks: received,
        open: true,
        ...(dm ? {} : { recipient: { team: body.recipient_team_id, user: body.recipient_user_id } }),
      });
      const list = this.posted.get(body.channel) ?? [];
      list.push({ type: 'message', ts, text: added, thread_ts: body.thread_ts, user: BOT_USER_ID, bot_id: BOT_ID });
      this.posted.set(body.channel, list);
      return { ok: true, channel: body.channel, ts };
    }
    const stream = this.streams.get(body.ts);
    if (!stream || stream.channel !== body.channel) return { ok: false, error: 'message_not_found' };
    if (!stream.open) return { ok: false, error: 'message_not_in_streaming_state' };
    stream.text += added;
    stream.chunks.push(...received);
    const message = this.posted.get(stream.channel)?.find((m) => m.ts === stream.ts);
    if (message) message.text = stream.text;
    if (method === 'chat.stopStream') {
      stream.open = false;
      if (body.blocks) stream.blocks = body.blocks;
      if (message && body.metadata) message.metadata = body.metadata;
    }
    return { ok: true, channel: stream.channel, ts: stream.ts };
  }

  private record(method: string, body: unknown, req: Request, status: number): void {
    this.calls.push({ method, body, headers: { ...req.headers }, at: Date.now(), status });
  }

  /** Slack message timestamps: seconds.microseconds, increasing. */
  private nextTs(): string {
    this.tsCounter++;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  // ---- Socket Mode (a minimal RFC 6455 server: text, ping/pong and close frames) ---------------

  /** Number of Socket Mode connections open right now. */
  get socketClients(): number {
    return this.wsClients.size;
  }

  /** Sends a Socket Mode envelope (events_api, slash_commands, interactive) and resolves with the app's ack. */
  socketSend(type: 'events_api' | 'slash_commands' | 'interactive', payload: unknown, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    const [client] = this.wsClients;
    if (!client) return Promise.reject(new Error('no Socket Mode client is connected'));
    const envelopeId = randomUUID();
    const acked = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(envelopeId);
        reject(new Error(`no ack for envelope ${envelopeId}`));
      }, opts.timeoutMs ?? 5000);
      this.acks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    writeFrame(
      client,
      0x1,
      Buffer.from(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          retry_attempt: 0,
          retry_reason: '',
        }),
      ),
    );
    return acked;
  }

  private upgrade(req: IncomingMessage, socket: Socket): void {
    const key = req.headers['sec-websocket-key'];
    if (req.url !== '/socket' || typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    this.wsClients.add(socket);
    socket.on('close', () => this.wsClients.delete(socket));
    socket.on('error', () => this.wsClients.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const frame = readFrame(pending);
        if (!frame) break;
        pending = pending.subarray(frame.length);
        if (frame.opcode === 0x9)
          writeFrame(socket, 0xa, frame.payload); // ping → pong
        else if (frame.opcode === 0x8) {
          writeFrame(socket, 0x8, frame.payload.subarray(0, 2));
          socket.end();
        } else if (frame.opcode === 0x1) this.onSocketText(frame.payload.toString('utf8'));
      }
    });
    writeFrame(
      socket,
      0x1,
      Buffer.from(
        JSON.stringify({
          type: 'hello',
          num_connections: this.wsClients.size,
          debug_info: { host: 'fake' },
          connection_info: { app_id: 'AFAKE' },
        }),
      ),
    );
  }

  private onSocketText(text: string): void {
    let msg: { envelope_id?: string; payload?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    this.calls.push({ method: 'socket.ack', body: msg, headers: {}, at: Date.now(), status: 200 });
    if (msg.envelope_id) {
      this.acks.get(msg.envelope_id)?.(msg.payload ?? null);
      this.acks.delete(msg.envelope_id);
    }
  }
}

/** The content of the first part of a multipart/form-data body, or null when it is not one. */
export function multipartFile(body: Buffer, contentType: string): Buffer | null {
  const boundary = /multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const start = body.indexOf(delimiter);
  if (start < 0) return null;
  const headersEnd = body.indexOf('\r\n\r\n', start);
  const end = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd);
  if (headersEnd < 0 || end < 0) return null;
  return body.subarray(headersEnd + 4, end);
}

const TASK_STATUSES = new Set(['pending', 'in_progress', 'complete', 'error']);

/** Stream chunks as Slack documents them (chat.appendStream "chunks"); anything else is refused. */
function validChunks(chunks: unknown): boolean {
  if (!Array.isArray(chunks) || chunks.length === 0) return false;
  return chunks.every((c) => {
    if (!c || typeof c !== 'object') return false;
    switch (c.type) {
      case 'markdown_text':
        return typeof c.text === 'string';
      case 'plan_update':
        return typeof c.title === 'string';
      case 'blocks':
        return Array.isArray(c.blocks);
      case 'task_update':
        return (
          typeof c.id === 'string' &&
          typeof c.title === 'string' &&
          TASK_STATUSES.has(c.status) &&
          [c.details, c.output].every((t) => t === undefined || (typeof t === 'string' && t.length <= 256)) &&
          (c.sources === undefined ||
            (Array.isArray(c.sources) &&
              c.sources.every(
                (s: any) =>
                  s?.type === 'url' &&
                  typeof s.url === 'string' &&
                  /^https?:\/\//.test(s.url) &&
                  typeof s.text === 'string' &&
                  s.text !== '',
              )))
        );
      default:
        return false;
    }
  });
}

/** Form fields that carry JSON (blocks, view, …) are parsed back so tests can assert on structure. */
function parseFields(body: Record<string, unknown>): Record<string, any> {
  const out: Record<string, any> = { ...body };
  for (const f of JSON_FIELDS) {
    if (typeof out[f] === 'string') {
      try {
        out[f] = JSON.parse(out[f]);
      } catch {
        /* leave as sent */
      }
    }
  }
  return out;
}

function writeFrame(socket: Socket, opcode: number, payload: Buffer): void {
  if (socket.destroyed) return;
  const len = payload.length;
  const header =
    len < 126
      ? Buffer.from([0x80 | opcode, len])
      : len < 65536
        ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff])
        : (() => {
            const h = Buffer.alloc(10);
            h[0] = 0x80 | opcode;
            h[1] = 127;
            h.writeBigUInt64BE(BigInt(len), 2);
            return h;
          })();
  socket.write(Buffer.concat([header, payload]));
}

/** One complete (client, so masked) frame at the start of `buf`, or null when more bytes are needed. */
function readFrame(buf: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < offset + maskLen + len) return null;
  const payload = Buffer.from(buf.subarray(offset + maskLen, offset + maskLen + len));
  if (masked) {
    const mask = buf.subarray(offset, offset + 4);
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  }
  return { opcode, payload, length: offset + maskLen + len };
}
