import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { ConsoleStatus } from '../../../src/channels/web/console-status';
import type { Viewer } from '../../../src/channels/web/viewer';
import type { AppDataSource } from '../../../src/db/data-source';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';
import { stubAccess } from './stub-access';
import { type RunningWeb, startWebServer } from './web-server';

/** The visible text of one status card (tags dropped, whitespace squeezed). */
function card(html: string, id: string): string {
  const m = html.match(new RegExp(`<article[^>]*id="status-${id}"[^>]*>([\\s\\S]*?)</article>`));
  assert.ok(m, `status card ${id} on the page`);
  return text(m[1]);
}

function checklistItem(html: string, id: string): string {
  const m = html.match(new RegExp(`<li[^>]*data-check="${id}"[^>]*>([\\s\\S]*?)</li>`));
  assert.ok(m, `checklist item ${id} on the page`);
  return text(m[1]);
}

function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

async function get(web: RunningWeb, path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${web.baseUrl}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

forEachBackend('web console page (GET /, /api/status)', (backend) => {
  let ds: AppDataSource;
  let viewer: Viewer;
  const servers: RunningWeb[] = [];

  before(async function () {
    // Starting the database (migrations) takes long on a busy machine.
    this.timeout(180_000);
    ds = await backend.dataSource();
    const userId = await makeUser(ds, { name: 'Ada Admin', role: 'admin' });
    viewer = { userId, name: 'Ada Admin', email: `${userId}@example.test`, role: 'admin', via: 'loopback' };
  });

  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  async function start(opts: Parameters<typeof startWebServer>[1] = {}): Promise<RunningWeb> {
    const web = await startWebServer(ds, { access: stubAccess(viewer), ...opts });
    servers.push(web);
    return web;
  }

  it('without a model or platforms: offline answers, Slack and Teams not connected, each with how to connect', async () => {
    const web = await start({ env: { PGLITE_DATA_DIR: '.data/console-test' } });
    const page = await get(web, '/');
    assert.equal(page.status, 200);
    assert.match(page.type, /text\/html/);
    const html = page.body;

    assert.match(card(html, 'answers'), /Offline/);
    assert.match(card(html, 'answers'), /Set OPENAI_API_KEY/);
    assert.match(card(html, 'slack'), /Not connected/);
    assert.match(html, /<article[^>]*id="status-slack"[\s\S]*?href="\/docs\/slack-setup.md"/);
    assert.match(card(html, 'teams'), /Not connected/);
    assert.match(html, /<article[^>]*id="status-teams"[\s\S]*?href="\/docs\/teams-setup.md"/);
    assert.match(card(html, 'queue'), /0 pending/);
    assert.match(card(html, 'access'), /This machine only/);
    assert.match(card(html, 'embedder'), /local \(offline\)/);
    if (backend.name === 'embedded') {
      assert.match(card(html, 'database'), /Embedded PostgreSQL \(PGlite\), data in \.data\/console-test/);
    } else {
      const url = new URL(String((ds.options as { url?: string }).url));
      assert.match(
        card(html, 'database'),
        new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:5432, database ${url.pathname.slice(1)}\\. Server 1\\d`),
      );
    }

    for (const id of ['model', 'slack', 'teams', 'sign-in']) assert.match(checklistItem(html, id), /To do/, id);
    assert.match(checklistItem(html, 'database'), backend.name === 'postgres' ? /Done/ : /To do/);
    assert.match(checklistItem(html, 'sign-in'), /docs\/web-console-sign-in\.md/);
    // Landmarks and heading order: one h1, then the sections' h2s, the cards' h3s.
    assert.equal(html.match(/<h1[\s>]/g)?.length, 1);
    assert.match(html, /<main id="main"/);
    assert.match(
      html,
      /<h2 id="status-heading">Status<\/h2>[\s\S]*<h3[\s\S]*<h2 id="setup-heading">Setup checklist<\/h2>[\s\S]*id="try-it"/,
    );
  });

  it('with a model and Slack: the model by name, Slack connected, Teams not; no secret anywhere in the page or the JSON', async () => {
    const password = `pw-${randomUUID()}`;
    const apiKey = `sk-console-${randomUUID()}`;
    const where =
      backend.name === 'postgres'
        ? new URL(String((ds.options as { url?: string }).url))
        : new URL('postgres://x@db.internal:6543/learning');
    where.username = 'assistant';
    where.password = password;
    const web = await start({
      env: {
        DATABASE_URL: where.toString(),
        OPENAI_API_KEY: apiKey,
        OPENAI_CHAT_MODEL: 'gpt-console-test',
        SLACK_BOT_TOKEN: 'xoxb-test-token',
      },
      platforms: { slack: true, teams: false },
    });
    const { body: html } = await get(web, '/');
    assert.match(card(html, 'answers'), /Language model/);
    assert.match(card(html, 'answers'), /gpt-console-test \(api\.openai\.com\)/);
    assert.match(card(html, 'slack'), /Connected/);
    assert.doesNotMatch(card(html, 'slack'), /Not connected/);
    assert.match(card(html, 'teams'), /Not connected/);
    assert.match(checklistItem(html, 'model'), /Done/);
    assert.match(checklistItem(html, 'slack'), /Done/);
    assert.match(checklistItem(html, 'teams'), /To do/);
    // An OpenAI key makes OpenAI the configured embedder; the stored vectors (local) then do not match it.
    assert.match(card(html, 'embedder'), /openai:text-embedding-3-small@api\.openai\.com/);
    if (backend.name === 'postgres')
      assert.match(card(html, 'database'), new RegExp(`${where.hostname}:${where.port}, database ${where.pathname.slice(1)}`));

    const json = await get(web, '/api/status');
    for (const body of [html, json.body]) {
      assert.ok(!body.includes(password), 'the database password is not shown');
      assert.ok(!body.includes('assistant:'), 'nor the database user');
      assert.ok(!body.includes(apiKey), 'the OpenAI key is not shown');
      assert.ok(!body.includes('xoxb-test-token'), 'the Slack token is not shown');
    }
  });

  it('GET /api/status: the same status as JSON, queue depth and content counts as they change', async () => {
    const web = await start({ platforms: { slack: false, teams: true } });
    const read = async () => {
      const res = await fetch(`${web.baseUrl}/api/status`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      return (await res.json()) as ConsoleStatus;
    };
    const before = await read();
    assert.equal(before.database.backend, backend.name);
    assert.equal(before.database.state, 'ok');
    assert.equal(before.answers.mode, 'offline');
    assert.deepEqual(before.teams, { state: 'ok', connected: true });
    assert.deepEqual(before.slack, { state: 'todo', connected: false });
    assert.equal(before.queue.pending, 0);
    assert.equal(before.accessMode, 'loopback');
    assert.deepEqual(
      before.checklist.map((c) => [c.id, c.done]),
      [
        ['database', backend.name === 'postgres'],
        ['model', false],
        ['content', (before.content.ownChunks ?? 0) > 0],
        ['slack', false],
        ['teams', true],
        ['sign-in', false],
      ],
    );

    // Two chat turns waiting in the queue, one document of the organisation's own (two chunks), one sample chunk.
    await web.queue.accept('slack', `console-${randomUUID()}`, { text: 'one' });
    await web.queue.accept('teams', `console-${randomUUID()}`, { text: 'two' });
    const own = `handbook/${randomUUID()}.md`;
    for (const [i, path] of [own, own, `content/sample/${randomUUID()}.md`].entries()) {
      await ds.query(
        `INSERT INTO learning_content (title, content, content_type, source_path, content_hash) VALUES ($1, 'Text.', 'reference', $2, $3)`,
        [`Chunk ${i}`, path, randomUUID()],
      );
    }
    const after = await read();
    assert.equal(after.queue.pending, 2);
    assert.equal(after.content.chunks, (before.content.chunks ?? 0) + 3);
    assert.equal(after.content.documents, (before.content.documents ?? 0) + 2);
    assert.equal(after.content.ownChunks, (before.content.ownChunks ?? 0) + 2);
    assert.equal(after.content.ownDocuments, (before.content.ownDocuments ?? 0) + 1);
    assert.equal(after.content.state, 'ok');
    assert.equal(after.checklist.find((c) => c.id === 'content')?.done, true);

    // The page's words for each part come along for its refresh script.
    const cards = (after as ConsoleStatus & { cards: Array<{ id: string; stateLabel: string }> }).cards;
    assert.equal(cards.find((c) => c.id === 'queue')?.stateLabel, '2 pending');
    const html = (await get(web, '/')).body;
    assert.match(card(html, 'queue'), /2 pending/);
    assert.match(card(html, 'content'), /Your content/);
    assert.match(card(html, 'teams'), /Connected/);
  });

  it('a part that hangs or fails reads "unavailable" and the page still answers', async () => {
    const web = await start();
    web.queue.pending = () => new Promise<number>(() => {});
    const t0 = Date.now();
    const page = await get(web, '/');
    const ms = Date.now() - t0;
    assert.equal(page.status, 200);
    assert.match(card(page.body, 'queue'), /Unavailable/);
    assert.match(card(page.body, 'answers'), /Offline/, 'the other parts are still shown');
    assert.ok(ms < 3_000, `answered after the part's time limit, not the hung query (${ms} ms)`);

    web.queue.pending = () => Promise.reject(new Error('relation "pgboss.job" does not exist'));
    const json = (await (await fetch(`${web.baseUrl}/api/status`)).json()) as ConsoleStatus;
    assert.deepEqual(json.queue, { state: 'unavailable', reason: 'failed' });
    assert.equal(json.database.state, 'ok');
  });

  it('with the real access rules (development, no provider): the page is served to this machine as the local admin', async () => {
    const web = await startWebServer(ds);
    servers.push(web);
    const page = await get(web, '/');
    assert.equal(page.status, 200);
    assert.match(card(page.body, 'access'), /This machine only/);
    assert.match(page.body, /<meta name="csrf-token" content="[^"]+"/);
    const api = await fetch(`${web.baseUrl}/api/status`);
    assert.equal(api.status, 200);
    assert.equal(((await api.json()) as ConsoleStatus).accessMode, 'loopback');
  });

  it('serves the guides the checklist links to, and nothing else', async () => {
    const web = await start();
    const guide = await get(web, '/docs/slack-setup.md');
    assert.equal(guide.status, 200);
    assert.match(guide.type, /text\/plain/);
    assert.match(guide.body, /Slack/);
    assert.equal((await get(web, '/docs/README.md')).status, 200);
    for (const bad of ['/docs/..%2Fpackage.json', '/docs/.env', '/docs/nope.md', '/docs/%2E%2E%2F.env.md']) {
      assert.equal((await get(web, bad)).status, 404, bad);
    }
  });
});
