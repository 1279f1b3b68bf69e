/**
 * manifest.json is the one source of truth for what Slack sends the app: it must declare the
 * command the code registers, the events it listens to, and only the scopes those need.
 */
import { SYNC_SHORTCUT_ID } from '../../commands/file-upload.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND } from '../../commands/sync-quotes.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as {
  display_information: { name: string; description: string; long_description: string };
  features: { bot_user: { display_name: string }; app_home?: { home_tab_enabled?: boolean }; slash_commands: { command: string; usage_hint: string; description: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean; request_url?: string }; socket_mode_enabled: boolean };
};

describe('manifest.json', () => {
  it('declares /sync-quotes with a usage hint naming every subcommand the parser knows', () => {
    const [command, ...others] = manifest.features.slash_commands;
    expect(others).toEqual([]);
    expect(command!.command).toBe(COMMAND);
    for (const sub of ['help', 'status', 'retry', 'cancel', 'run', 'gumloop', 'digest', 'target']) expect(command!.usage_hint).toContain(sub);
    // The manifest's documented limits (the Manifest type in @slack/web-api, and Slack's manifest reference).
    expect(command!.command.length).toBeLessThanOrEqual(32);
    expect(command!.description.length).toBeLessThanOrEqual(2000);
    expect(command!.usage_hint.length).toBeLessThanOrEqual(1000);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.display_information.long_description.length).toBeGreaterThanOrEqual(174);
    expect(manifest.display_information.long_description.length).toBeLessThanOrEqual(4000);
  });

  it('subscribes to the events that carry uploads, with the scopes they need and no more', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_home_opened', 'file_shared', 'message.channels', 'message.groups']);
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual(
      ['channels:history', 'chat:write', 'commands', 'files:read', 'files:write', 'groups:history'].sort(),
    );
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('turns the Home tab on and subscribes to app_home_opened, which needs no scope (nor do views.publish and chat.getPermalink)', () => {
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
  });

  it('declares the Sync to Notion message shortcut with the callback id the app listens for', () => {
    const shortcuts = (manifest.features as { shortcuts?: { type: string; callback_id: string; name: string }[] }).shortcuts ?? [];
    expect(shortcuts).toEqual([expect.objectContaining({ type: 'message', callback_id: SYNC_SHORTCUT_ID, name: 'Sync to Notion' })]);
  });

  it('turns interactivity on for the job message buttons, and the README says where HTTP mode sends them', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    // Socket Mode needs no URL; HTTP mode posts presses to the same path as events and commands.
    expect(manifest.settings.interactivity.request_url).toBeUndefined();
    expect(readme).toMatch(/"request_url": "https:\/\/<host>\/slack\/events"` to `event_subscriptions` and to `interactivity`/);
  });
});
