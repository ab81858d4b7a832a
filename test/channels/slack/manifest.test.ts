import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { EVENTS_PATH } from '../../../src/channels/slack';
import { LEARNING_SLASH_COMMANDS } from '../../../src/channels/slack/listeners/commands/learning-commands';

// gray-matter (a dependency already) parses YAML front matter: the manifest is checked as Slack will read it.
const manifest = matter(`---\n${fs.readFileSync(path.join(__dirname, '../../../manifests/slack/manifest.yml'), 'utf8')}\n---\n`).data;

describe('Slack app manifest', () => {
  it('asks for the bot scopes the app uses', () => {
    assert.deepEqual([...manifest.oauth_config.scopes.bot].sort(), [
      'app_mentions:read', 'channels:history', 'chat:write', 'commands', 'files:write', 'groups:history',
      'im:history', 'im:read', 'im:write', 'reactions:write', 'users:read', 'users:read.email',
    ]);
  });

  it('subscribes to the events the listeners handle, and points everything at /slack/events', () => {
    assert.deepEqual(manifest.settings.event_subscriptions.bot_events, ['app_mention', 'message.im', 'message.channels', 'message.groups', 'app_home_opened']);
    const urls = [manifest.settings.event_subscriptions.request_url, manifest.settings.interactivity.request_url, ...manifest.features.slash_commands.map((c: { url: string }) => c.url)];
    for (const url of urls) assert.equal(url, `https://YOUR-HOST${EVENTS_PATH}`);
    assert.equal(manifest.settings.interactivity.is_enabled, true);
    assert.equal(manifest.settings.socket_mode_enabled, false);
  });

  it('declares /learn and the learning-loop commands (each with a handler), and the App Home messages tab', () => {
    assert.deepEqual(manifest.features.slash_commands.map((c: { command: string }) => c.command), ['/learn', ...LEARNING_SLASH_COMMANDS.filter((c) => c !== '/report')]);
    for (const c of manifest.features.slash_commands as Array<{ description: string; usage_hint?: string; command: string; should_escape: boolean }>) {
      assert.ok(c.description.length <= 100, c.command);
      assert.ok((c.usage_hint ?? '').length <= 100, c.command);
    }
    const report = manifest.features.slash_commands.find((c: { command: string }) => c.command === '/learning-report');
    assert.equal(report.should_escape, true, '@mentions arrive as <@U…|name>');
    assert.equal(manifest.features.app_home.messages_tab_enabled, true);
    assert.equal(manifest.features.app_home.messages_tab_read_only_enabled, false);
    assert.ok(manifest.display_information.long_description.length >= 175, 'Slack requires at least 175 characters');
  });
});
