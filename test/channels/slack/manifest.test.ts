import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { EVENTS_PATH } from '../../../src/channels/slack';
import { SUGGESTED_PROMPTS } from '../../../src/channels/slack/blocks/notice-blocks';
import { SLASH_COMMAND_HANDLERS } from '../../../src/channels/slack/listeners/commands';
import {
  LEARNING_COMMANDS,
  matchCommand,
  SLACK_SLASH_COMMANDS,
  slashCommandId,
  TEAMS_COMMAND_KEYWORDS,
} from '../../../src/core/learning/commands';

// gray-matter (a dependency already) parses YAML front matter: the manifest is checked as Slack will read it.
const manifest = matter(`---\n${fs.readFileSync(path.join(__dirname, '../../../manifests/slack/manifest.yml'), 'utf8')}\n---\n`).data;

describe('Slack app manifest', () => {
  it('asks for the bot scopes the app uses', () => {
    assert.deepEqual([...manifest.oauth_config.scopes.bot].sort(), [
      'app_mentions:read',
      'assistant:write',
      'channels:history',
      'chat:write',
      'commands',
      'files:write',
      'groups:history',
      'im:history',
      'im:read',
      'im:write',
      'reactions:write',
      'users:read',
      'users:read.email',
    ]);
  });

  it('subscribes to the events the listeners handle, and points everything at /slack/events', () => {
    assert.deepEqual(manifest.settings.event_subscriptions.bot_events, [
      'app_mention',
      'message.im',
      'message.channels',
      'message.groups',
      'app_home_opened',
    ]);
    const urls = [
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      ...manifest.features.slash_commands.map((c: { url: string }) => c.url),
    ];
    for (const url of urls) assert.equal(url, `https://YOUR-HOST${EVENTS_PATH}`);
    assert.equal(manifest.settings.interactivity.is_enabled, true);
    assert.equal(manifest.settings.socket_mode_enabled, false);
  });

  it('declares /learn and the learning-loop commands (each with a handler), and the App Home messages tab', () => {
    assert.deepEqual(
      manifest.features.slash_commands.map((c: { command: string }) => c.command).sort(),
      SLACK_SLASH_COMMANDS.map((c) => c.command).sort(),
    );
    for (const c of SLACK_SLASH_COMMANDS)
      assert.ok(
        SLASH_COMMAND_HANDLERS.some((h) => h.command === c.command),
        `${c.command} has a listener`,
      );
    for (const c of manifest.features.slash_commands as Array<{
      description: string;
      usage_hint?: string;
      command: string;
      should_escape: boolean;
    }>) {
      assert.ok(c.description.length <= 100, c.command);
      assert.ok((c.usage_hint ?? '').length <= 100, c.command);
    }
    const report = manifest.features.slash_commands.find((c: { command: string }) => c.command === '/learning-report');
    assert.equal(report.should_escape, true, '@mentions arrive as <@U…|name>');
    assert.equal(manifest.features.app_home.messages_tab_enabled, true);
    assert.equal(manifest.features.app_home.messages_tab_read_only_enabled, false);
    assert.ok(manifest.display_information.long_description.length >= 175, 'Slack requires at least 175 characters');
  });

  it('declares agent messaging (features.agent_view): a description and at most four suggested prompts', () => {
    const view = manifest.features.agent_view as {
      agent_description: string;
      suggested_prompts: Array<{ title: string; message: string }>;
    };
    assert.ok(view.agent_description.length > 0 && view.agent_description.length <= 300);
    assert.ok(view.suggested_prompts.length >= 1 && view.suggested_prompts.length <= 4);
    assert.deepEqual(view.suggested_prompts, SUGGESTED_PROMPTS, 'the prompts the DM sets up when it opens');
    assert.equal(manifest.features.assistant_view, undefined, 'agent_view replaces the older assistant_view');
  });

  it('declares exactly the slash commands of the one command definition, with its descriptions, usage hints and escaping', () => {
    type Declared = { command: string; description: string; usage_hint?: string; should_escape: boolean };
    const declared = (manifest.features.slash_commands as Declared[])
      .map((c) => ({ command: c.command, description: c.description, usageHint: c.usage_hint, shouldEscape: c.should_escape }))
      .sort((a, b) => a.command.localeCompare(b.command));
    const defined = SLACK_SLASH_COMMANDS.map((c) => ({
      command: c.command,
      description: c.description,
      usageHint: c.usageHint,
      shouldEscape: c.shouldEscape,
    })).sort((a, b) => a.command.localeCompare(b.command));
    assert.deepEqual(declared, defined);
  });

  it('registers a listener for every slash command and alias of the definition, each running its command', () => {
    const expected = SLACK_SLASH_COMMANDS.flatMap((c) => [c.command, ...(c.aliases ?? [])]);
    assert.deepEqual(
      SLASH_COMMAND_HANDLERS.map((h) => h.command),
      expected,
    );
    assert.equal(slashCommandId('/report'), 'report', 'the alias runs the report');
    assert.equal(slashCommandId('/nope'), undefined);
    for (const c of LEARNING_COMMANDS) {
      const slash = c.slack.usage.match(/^\/[\w-]+/)?.[0];
      if (slash)
        assert.ok(
          SLACK_SLASH_COMMANDS.some((s) => s.command === slash),
          `${c.id}: ${slash} is declared`,
        );
    }
  });
});

describe('Teams app manifest (commands)', () => {
  const teams = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../manifests/teams/manifest.json'), 'utf8'));

  it('lists the Teams spelling of every keyword command, in every scope, in help order', () => {
    assert.deepEqual(TEAMS_COMMAND_KEYWORDS, ['help', 'progress', 'quiz', 'recommend', 'dashboard', 'report']);
    const lists = (teams.bots as Array<{ commandLists?: Array<{ scopes: string[]; commands: Array<{ title: string }> }> }>).flatMap(
      (b) => b.commandLists ?? [],
    );
    assert.ok(lists.length > 0, 'the bot has command lists');
    for (const list of lists)
      assert.deepEqual(
        list.commands.map((c) => c.title),
        [...TEAMS_COMMAND_KEYWORDS],
        list.scopes.join(','),
      );
    for (const keyword of TEAMS_COMMAND_KEYWORDS) {
      const c = LEARNING_COMMANDS.find((x) => x.keywords?.[0] === keyword)!;
      assert.ok(c.teams.usage === keyword || c.teams.usage.startsWith(`${keyword} `), `${c.id}: the Teams usage starts with ${keyword}`);
      assert.equal(matchCommand(keyword)?.id, c.id, `a bare “${keyword}” runs ${c.id}`);
    }
  });
});
