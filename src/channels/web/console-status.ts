import type { Config } from '../../config';
import { type EmbedderCount, embedderCounts } from '../../db/embedder-guard';
import { serverVersion } from '../../db/health';
import { type ContentCounts, contentCounts } from '../../db/repositories/content-stats-repository';
import type { Logger } from '../../observability/logger';
import type { AccessMode } from './web-access';
import type { WebDeps } from './web-deps';

/**
 * What the console's front page and GET /api/status report: how this instance is set up and whether its
 * parts answer. Built from the configuration (never a secret: no key, token or password is copied in) and
 * a few cheap queries, each with its own short time limit, so a slow or broken part reads "unavailable"
 * instead of holding up or failing the page.
 */

/** ok: working; todo: works, but something is left to set up; unavailable: could not be read just now. */
export type PartState = 'ok' | 'todo' | 'unavailable';

interface Part {
  state: PartState;
  /** why a part is unavailable ('timed out' or 'failed'); the error itself goes to the log only */
  reason?: string;
}

export interface DatabasePart extends Part {
  backend: 'embedded' | 'postgres';
  /** embedded: where PGlite keeps its files */
  dataDir?: string;
  /** postgres: where it connects, without user name or password */
  host?: string;
  port?: number;
  database?: string;
  serverVersion?: string;
}

export interface AnswersPart extends Part {
  mode: 'model' | 'offline';
  model?: string;
  /** the model's API host (api.openai.com unless OPENAI_BASE_URL says otherwise) */
  endpoint?: string;
}

export interface EmbedderPart extends Part {
  kind: 'openai' | 'local';
  /** the configured embedder: OpenAI model@host, or the offline local embedder */
  configured: string;
  /** vectors stored per embedder id */
  stored?: EmbedderCount[];
  /** stored vectors made by another embedder than the configured one (npm run reembed) */
  mismatch?: boolean;
}

export interface ContentPart extends Part, Partial<ContentCounts> {}

export interface PlatformPart extends Part {
  connected: boolean;
}

export interface QueuePart extends Part {
  pending?: number;
}

export interface ChecklistItem {
  id: 'database' | 'model' | 'content' | 'slack' | 'teams' | 'sign-in';
  label: string;
  done: boolean;
  /** what to do next (or what is set up) in one sentence */
  hint: string;
  /** the project document that explains the step (served by the console at /docs/<file>) */
  doc: string;
}

export interface ConsoleStatus {
  generatedAt: string;
  accessMode: AccessMode;
  database: DatabasePart;
  answers: AnswersPart;
  embedder: EmbedderPart;
  content: ContentPart;
  slack: PlatformPart;
  teams: PlatformPart;
  queue: QueuePart;
  checklist: ChecklistItem[];
}

/** Each query part gets this long before it reads "unavailable" (the page must stay well under 300 ms). */
export const STATUS_PART_TIMEOUT_MS = 1_000;

export interface StatusSources {
  config: Config;
  ds: WebDeps['ds'];
  queue: Pick<WebDeps['queue'], 'pending'>;
  platforms: WebDeps['platforms'];
  embedderId: WebDeps['embedderId'];
  logger: Logger;
  accessMode: AccessMode;
  timeoutMs?: number;
}

export async function consoleStatus(src: StatusSources): Promise<ConsoleStatus> {
  const { config, ds, logger } = src;
  const timeoutMs = src.timeoutMs ?? STATUS_PART_TIMEOUT_MS;
  const read = <T>(part: string, work: () => Promise<T>) => withTimeout(part, work, timeoutMs, logger);

  const [version, counts, stored, pending] = await Promise.all([
    read('database', () => serverVersion(ds)),
    read('content', () => contentCounts(ds)),
    read('embedder', () => embedderCounts(ds)),
    read('queue', () => src.queue.pending()),
  ]);

  const database: DatabasePart = {
    ...databaseLocation(ds, config),
    ...(version.ok ? { state: 'ok', serverVersion: version.value } : unavailable(version.reason)),
  };
  const answers: AnswersPart = config.OPENAI_API_KEY
    ? { state: 'ok', mode: 'model', model: config.OPENAI_CHAT_MODEL, endpoint: hostOf(config.OPENAI_BASE_URL) ?? 'api.openai.com' }
    : { state: 'todo', mode: 'offline' };
  const embedder = embedderPart(src.embedderId, stored);
  const content: ContentPart = counts.ok
    ? { state: counts.value.ownChunks > 0 ? 'ok' : 'todo', ...counts.value }
    : unavailable(counts.reason);
  const slack: PlatformPart = { state: src.platforms.slack ? 'ok' : 'todo', connected: src.platforms.slack };
  const teams: PlatformPart = { state: src.platforms.teams ? 'ok' : 'todo', connected: src.platforms.teams };
  const queue: QueuePart = pending.ok ? { state: 'ok', pending: pending.value } : unavailable(pending.reason);

  return {
    generatedAt: new Date().toISOString(),
    accessMode: src.accessMode,
    database,
    answers,
    embedder,
    content,
    slack,
    teams,
    queue,
    checklist: checklist({ database, answers, content, slack, teams, accessMode: src.accessMode }),
  };
}

function checklist(s: Pick<ConsoleStatus, 'database' | 'answers' | 'content' | 'slack' | 'teams' | 'accessMode'>): ChecklistItem[] {
  return [
    {
      id: 'database',
      label: 'PostgreSQL database',
      done: s.database.backend === 'postgres',
      hint:
        s.database.backend === 'postgres'
          ? 'Data is kept in PostgreSQL with pgvector.'
          : 'The embedded database is fine for trying things out; set DATABASE_URL to a PostgreSQL server with pgvector for real use.',
      doc: 'README.md',
    },
    {
      id: 'model',
      label: 'Language model',
      done: s.answers.mode === 'model',
      hint:
        s.answers.mode === 'model'
          ? `Answers are written by ${s.answers.model}.`
          : 'Answers are extracted from the content as is; set OPENAI_API_KEY (and OPENAI_BASE_URL for another compatible API) for written answers.',
      doc: 'README.md',
    },
    {
      id: 'content',
      label: 'Your learning content',
      done: s.content.state === 'ok',
      hint:
        s.content.state === 'unavailable'
          ? 'The content count could not be read just now.'
          : s.content.state === 'ok'
            ? `${s.content.ownDocuments} of your own documents are ingested.`
            : 'Only the sample content is loaded; add your own documents with npm run ingest -- <folder>.',
      doc: 'README.md',
    },
    {
      id: 'slack',
      label: 'Slack',
      done: s.slack.connected,
      hint: s.slack.connected
        ? 'This instance serves the Slack app.'
        : 'Create the Slack app and set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.',
      doc: 'docs/slack-setup.md',
    },
    {
      id: 'teams',
      label: 'Microsoft Teams',
      done: s.teams.connected,
      hint: s.teams.connected
        ? 'This instance serves the Teams bot.'
        : 'Register the bot in Azure and set MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID.',
      doc: 'docs/teams-setup.md',
    },
    {
      id: 'sign-in',
      label: 'Sign-in provider',
      done: s.accessMode === 'oidc',
      hint:
        s.accessMode === 'oidc'
          ? 'People sign in through your OpenID Connect provider.'
          : 'Without a provider the console is open to this machine only; set OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and PUBLIC_URL.',
      doc: 'docs/web-console-sign-in.md',
    },
  ];
}

/** Where the database is, read from the settings: host, port and database name only, never the user or password. */
function databaseLocation(
  ds: StatusSources['ds'],
  config: Config,
): Pick<DatabasePart, 'backend' | 'dataDir' | 'host' | 'port' | 'database'> {
  if (ds.backend === 'embedded') return { backend: 'embedded', dataDir: config.PGLITE_DATA_DIR };
  const url = config.DATABASE_URL ?? (ds.options as { url?: string }).url;
  try {
    const u = new URL(url ?? '');
    return {
      backend: 'postgres',
      host: u.hostname || undefined,
      port: u.port ? Number(u.port) : 5432,
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    };
  } catch {
    return { backend: 'postgres' };
  }
}

/**
 * The running embedder (its id is what every stored vector records) against the stored vectors: any other id
 * is a mismatch, as assertEmbedderMatches (db/embedder-guard.ts) tells at start-up.
 */
function embedderPart(embedderId: string, stored: Outcome<EmbedderCount[]>): EmbedderPart {
  const openai = embedderId.startsWith('openai:');
  // An OpenAI id ends with its base URL, which may carry credentials: only the host is shown.
  const at = embedderId.indexOf('@');
  const configured = openai ? `${embedderId.slice(0, at)}@${hostOf(embedderId.slice(at + 1)) ?? 'api.openai.com'}` : 'local (offline)';
  const base = { kind: openai ? ('openai' as const) : ('local' as const), configured };
  if (!stored.ok) return { ...base, ...unavailable(stored.reason) };
  const mismatch = stored.value.some((c) => c.embedder !== embedderId);
  return { ...base, state: mismatch ? 'todo' : 'ok', stored: stored.value, mismatch };
}

/** Only the host of a URL: an OPENAI_BASE_URL may carry credentials or a key in its query. */
function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; reason: 'timed out' | 'failed' };

function unavailable(reason: string): { state: 'unavailable'; reason: string } {
  return { state: 'unavailable', reason };
}

const TIMED_OUT = Symbol('timed out');

/** Runs one part with a time limit; a failure or timeout is logged (without failing the page) and reported as such. */
async function withTimeout<T>(part: string, work: () => Promise<T>, ms: number, logger: Logger): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  const running = work();
  try {
    const result = await Promise.race([running, timeout]);
    if (result === TIMED_OUT) {
      // The query may still finish or fail later; nobody waits for it.
      running.catch(() => {});
      logger.warn({ part, timeoutMs: ms }, 'console status: a part took too long and shows as unavailable');
      return { ok: false, reason: 'timed out' };
    }
    return { ok: true, value: result as T };
  } catch (err) {
    logger.warn({ err, part }, 'console status: a part failed and shows as unavailable');
    return { ok: false, reason: 'failed' };
  } finally {
    clearTimeout(timer);
  }
}

/** One status card of the console page: a heading, a state said in words (not by colour alone), details. */
export interface StatusCard {
  id: string;
  title: string;
  state: PartState;
  /** the state in words: "Connected", "Not connected", "Unavailable"... */
  stateLabel: string;
  /** a sign beside the words (hidden from screen readers, which read the words) */
  mark: string;
  detail: string;
  /** a document that says how to set this part up, and the link's words */
  doc?: string;
  docLabel?: string;
}

const UNAVAILABLE = 'Could not be read just now; reload the page to try again.';

const MARKS: Record<PartState, string> = { ok: '✓', todo: '!', unavailable: '?' };

/** The status cards, in page order. */
export function statusCards(s: ConsoleStatus): StatusCard[] {
  return cardsWithoutMarks(s).map((c) => ({ ...c, mark: MARKS[c.state] }));
}

function cardsWithoutMarks(s: ConsoleStatus): Array<Omit<StatusCard, 'mark'>> {
  const n = (x: number | undefined) => (x ?? 0).toLocaleString('en-US');
  const db = s.database;
  const dbWhere =
    db.backend === 'embedded'
      ? `Embedded PostgreSQL (PGlite), data in ${db.dataDir}.`
      : `PostgreSQL${db.host ? ` at ${db.host}:${db.port}` : ''}${db.database ? `, database ${db.database}` : ''}.`;
  return [
    {
      id: 'database',
      title: 'Database',
      state: db.state,
      stateLabel: db.state === 'unavailable' ? 'Unreachable' : db.backend === 'embedded' ? 'Embedded' : 'PostgreSQL',
      detail:
        db.state === 'unavailable' ? `${dbWhere} ${UNAVAILABLE}` : `${dbWhere}${db.serverVersion ? ` Server ${db.serverVersion}.` : ''}`,
      doc: db.backend === 'embedded' ? 'README.md' : undefined,
      docLabel: 'How to run on PostgreSQL',
    },
    {
      id: 'answers',
      title: 'Answers',
      state: s.answers.state,
      stateLabel: s.answers.mode === 'model' ? 'Language model' : 'Offline',
      detail:
        s.answers.mode === 'model'
          ? `Written by ${s.answers.model} (${s.answers.endpoint}) from the retrieved passages, with citations.`
          : 'Offline extractive answers: sentences quoted from the best passages. Set OPENAI_API_KEY for written answers.',
      doc: s.answers.mode === 'model' ? undefined : 'README.md',
      docLabel: 'How to add a language model',
    },
    {
      id: 'embedder',
      title: 'Embedder',
      state: s.embedder.state,
      stateLabel:
        s.embedder.state === 'unavailable'
          ? 'Unavailable'
          : s.embedder.mismatch
            ? 'Mismatch'
            : s.embedder.kind === 'openai'
              ? 'OpenAI'
              : 'Offline',
      detail:
        s.embedder.state === 'unavailable'
          ? `Configured: ${s.embedder.configured}. ${UNAVAILABLE}`
          : `Configured: ${s.embedder.configured}. Stored vectors: ${
              s.embedder.stored?.length ? s.embedder.stored.map((c) => `${n(c.chunks)} by ${c.embedder}`).join(', ') : 'none yet'
            }.${s.embedder.mismatch ? ' Run npm run reembed so every vector comes from the configured embedder.' : ''}`,
    },
    {
      id: 'content',
      title: 'Learning content',
      state: s.content.state,
      stateLabel:
        s.content.state === 'unavailable'
          ? 'Unavailable'
          : s.content.state === 'ok'
            ? 'Your content'
            : s.content.chunks
              ? 'Sample only'
              : 'Empty',
      detail:
        s.content.state === 'unavailable'
          ? UNAVAILABLE
          : `${n(s.content.chunks)} chunks from ${n(s.content.documents)} items (${n(s.content.embedded)} embedded); ${n(s.content.ownChunks)} chunks from ${n(s.content.ownDocuments)} of your own documents.`,
      doc: s.content.state === 'todo' ? 'README.md' : undefined,
      docLabel: 'How to add your content',
    },
    platformCard('slack', 'Slack', s.slack, 'docs/slack-setup.md', 'SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET'),
    platformCard('teams', 'Microsoft Teams', s.teams, 'docs/teams-setup.md', 'MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD'),
    {
      id: 'queue',
      title: 'Queue',
      state: s.queue.state,
      stateLabel: s.queue.state === 'unavailable' ? 'Unavailable' : `${n(s.queue.pending)} pending`,
      detail:
        s.queue.state === 'unavailable'
          ? UNAVAILABLE
          : 'Chat turns accepted and not finished yet (waiting, running or retrying), all instances.',
    },
    {
      id: 'access',
      title: 'Console access',
      state: s.accessMode === 'oidc' ? 'ok' : 'todo',
      stateLabel: s.accessMode === 'oidc' ? 'Sign-in' : 'This machine only',
      detail:
        s.accessMode === 'oidc'
          ? 'People sign in through your OpenID Connect provider.'
          : 'No sign-in provider: open to loopback connections only, as the local admin (development).',
      doc: s.accessMode === 'oidc' ? undefined : 'docs/web-console-sign-in.md',
      docLabel: 'How to set up sign-in',
    },
  ];
}

function platformCard(id: string, title: string, part: PlatformPart, doc: string, settings: string): Omit<StatusCard, 'mark'> {
  return {
    id,
    title,
    state: part.state,
    stateLabel: part.connected ? 'Connected' : 'Not connected',
    detail: part.connected ? `This instance serves ${title}.` : `To connect, set ${settings}; the guide has every step.`,
    doc: part.connected ? undefined : doc,
    docLabel: `How to connect ${title}`,
  };
}
