/**
 * Requests as Slack sends them: signed with the signing secret (v0 HMAC-SHA256 of `v0:timestamp:body`),
 * JSON for the Events API, form-encoded for slash commands and `payload=` for interactivity.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { BOT_USER_ID, TEAM_ID } from '../../helpers/fake-slack-api';

export interface SendOptions {
  /** X-Slack-Retry-Num (and X-Slack-Retry-Reason: http_timeout) */
  retryNum?: number;
  /** seconds since the epoch used for the signature (default now) */
  timestamp?: number;
  /** sign with this secret instead (bad signatures) */
  secret?: string;
  /** send no signature headers at all */
  unsigned?: boolean;
}

export interface SlackResponse {
  status: number;
  text: string;
  /** when the response arrived (ms since the epoch) */
  at: number;
  /** how long it took (ms) */
  ms: number;
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export class SlackSender {
  constructor(
    readonly url: string,
    private readonly secret: string,
  ) {}

  /** POST /slack/events with any body and content type, signed unless told otherwise. */
  async raw(body: string, contentType: string, opts: SendOptions = {}): Promise<SlackResponse> {
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { 'content-type': contentType };
    if (!opts.unsigned) {
      headers['x-slack-request-timestamp'] = String(timestamp);
      headers['x-slack-signature'] = signature(opts.secret ?? this.secret, timestamp, body);
    }
    if (opts.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(opts.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const started = Date.now();
    const res = await fetch(this.url, { method: 'POST', headers, body });
    const text = await res.text();
    return { status: res.status, text, at: Date.now(), ms: Date.now() - started };
  }

  event(envelope: object, opts: SendOptions = {}): Promise<SlackResponse> {
    return this.raw(JSON.stringify(envelope), 'application/json', opts);
  }

  command(fields: Record<string, string>, opts: SendOptions = {}): Promise<SlackResponse> {
    return this.raw(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', opts);
  }

  interaction(payload: object, opts: SendOptions = {}): Promise<SlackResponse> {
    return this.raw(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', opts);
  }
}

let tsCounter = 0;
/** A fresh Slack message timestamp. */
export function newTs(): string {
  tsCounter++;
  return `${Math.floor(Date.now() / 1000)}.${String(100000 + (tsCounter % 900000)).padStart(6, '0')}`;
}

export const newId = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;

/** The Events API envelope around one event. */
export function envelope(event: Record<string, unknown>, eventId = newId('Ev')): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: TEAM_ID,
    api_app_id: 'AFAKE',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

export function messageEvent(f: {
  channel: string;
  user: string;
  text: string;
  ts?: string;
  thread_ts?: string;
  channel_type?: string;
  subtype?: string;
  bot_id?: string;
}): Record<string, unknown> {
  const ts = f.ts ?? newTs();
  return {
    type: 'message',
    channel: f.channel,
    user: f.user,
    text: f.text,
    ts,
    event_ts: ts,
    team: TEAM_ID,
    channel_type: f.channel_type ?? (f.channel.startsWith('D') ? 'im' : 'channel'),
    ...(f.thread_ts ? { thread_ts: f.thread_ts } : {}),
    ...(f.subtype ? { subtype: f.subtype } : {}),
    ...(f.bot_id ? { bot_id: f.bot_id } : {}),
  };
}

export function mentionEvent(f: { channel: string; user: string; text: string; ts?: string; thread_ts?: string }): Record<string, unknown> {
  const ts = f.ts ?? newTs();
  return {
    type: 'app_mention',
    channel: f.channel,
    user: f.user,
    text: f.text,
    ts,
    event_ts: ts,
    team: TEAM_ID,
    ...(f.thread_ts ? { thread_ts: f.thread_ts } : {}),
  };
}

export function slashCommand(f: {
  text: string;
  user: string;
  channel: string;
  responseUrl: string;
  triggerId?: string;
  command?: string;
}): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: TEAM_ID,
    team_domain: 'fake',
    channel_id: f.channel,
    channel_name: 'directmessage',
    user_id: f.user,
    user_name: f.user.toLowerCase(),
    command: f.command ?? '/learn',
    text: f.text,
    api_app_id: 'AFAKE',
    is_enterprise_install: 'false',
    response_url: f.responseUrl,
    trigger_id: f.triggerId ?? newId('trig.'),
  };
}

export function blockActions(f: {
  user: string;
  channel: string;
  actionId: string;
  value: string;
  responseUrl: string;
  messageTs?: string;
  blocks?: unknown[];
  stateValues?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: f.user, username: f.user.toLowerCase(), name: f.user.toLowerCase(), team_id: TEAM_ID },
    api_app_id: 'AFAKE',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: f.messageTs ?? newTs(), channel_id: f.channel, is_ephemeral: false },
    trigger_id: newId('trig.'),
    team: { id: TEAM_ID, domain: 'fake' },
    is_enterprise_install: false,
    channel: { id: f.channel, name: 'directmessage' },
    message: { type: 'message', user: BOT_USER_ID, ts: f.messageTs ?? newTs(), text: 'answer', blocks: f.blocks ?? [] },
    response_url: f.responseUrl,
    ...(f.stateValues ? { state: { values: f.stateValues } } : {}),
    actions: [
      {
        action_id: f.actionId,
        block_id: 'b1',
        text: { type: 'plain_text', text: 'x' },
        value: f.value,
        type: 'button',
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
}
