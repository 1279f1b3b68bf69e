/**
 * manifest.json is the one source of truth for what Slack sends the app: it must declare the
 * command the code registers, the events it listens to, and only the scopes those need.
 */
import { SYNC_SHORTCUT_ID } from '../../commands/file-upload.js';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { COMMAND } from '../../commands/sync-quotes.js';
import { httpManifest, SLACK_REQUESTS_PATH } from '../../src/slack/app/http-manifest.js';
import { STEP_INPUTS, STEP_OUTPUTS, WORKFLOW_STEP_CALLBACK_ID } from '../../src/slack/workflow/workflow-step.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as {
  display_information: { name: string; description: string; long_description: string };
  features: { bot_user: { display_name: string }; app_home?: { home_tab_enabled?: boolean }; slash_commands: { command: string; usage_hint: string; description: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
    org_deploy_enabled?: boolean;
    function_runtime?: string;
  };
  functions?: Record<string, { title: string; input_parameters: Record<string, { type: string; is_required?: boolean }>; output_parameters: Record<string, { type: string; is_required?: boolean }> }>;
};

/** Slack's published manifest schema (../shared/slack-manifest-schema), its two versions under the URLs its `$ref`s name. */
function manifestValidator() {
  const dir = new URL('../../../shared/slack-manifest-schema/', import.meta.url);
  const read = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true });
  for (const version of ['1.0.0', '2.0.0']) {
    ajv.addSchema(read(`manifest.schema.${version}.json`), `https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.${version}.json`);
  }
  return ajv.compile(read('manifest.schema.json'));
}

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
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_home_opened', 'file_shared', 'function_executed', 'message.channels', 'message.groups']);
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

  it('turns interactivity on for the job message buttons, and the README says how to make the HTTP mode manifest', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    // Socket Mode needs no URL; HTTP mode posts presses to the same path as events and commands (manifest.http.json).
    expect(manifest.settings.interactivity.request_url).toBeUndefined();
    expect(readme).toContain('npm run manifest:http -- https://');
  });

  it('is valid against Slack\'s published manifest schema (and the schema does catch a broken one)', () => {
    const validate = manifestValidator();
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...manifest, settings: { ...manifest.settings, org_deploy_enabled: 'yes' } })).toBe(false);
  });

  it('declares the Workflow Builder step the app listens for, with the inputs it reads and the outputs it gives, run remotely', () => {
    // Custom steps need an org-ready app, the remote function runtime, and the function_executed event (which needs no scope).
    expect(manifest.settings.org_deploy_enabled).toBe(true);
    expect(manifest.settings.function_runtime).toBe('remote');
    expect(manifest.settings.event_subscriptions.bot_events).toContain('function_executed');
    const step = manifest.functions?.[WORKFLOW_STEP_CALLBACK_ID];
    expect(Object.keys(manifest.functions ?? {})).toEqual([WORKFLOW_STEP_CALLBACK_ID]);
    expect(step?.title).toBe('Sync quotes to Notion');
    const types = (params: Record<string, { type: string }>) => Object.fromEntries(Object.entries(params).map(([name, p]) => [name, p.type]));
    expect(types(step!.input_parameters)).toEqual({
      [STEP_INPUTS.file]: 'slack#/types/file_id',
      [STEP_INPUTS.link]: 'string',
      [STEP_INPUTS.update]: 'boolean',
      [STEP_INPUTS.channel]: 'slack#/types/channel_id',
    });
    // A file or a link: neither is required on its own (the step says so when it gets neither).
    expect(Object.values(step!.input_parameters).some((p) => p.is_required)).toBe(false);
    expect(types(step!.output_parameters)).toEqual({
      [STEP_OUTPUTS.jobId]: 'string',
      [STEP_OUTPUTS.written]: 'integer',
      [STEP_OUTPUTS.alreadyThere]: 'integer',
      [STEP_OUTPUTS.updated]: 'integer',
      [STEP_OUTPUTS.failed]: 'integer',
      [STEP_OUTPUTS.databaseUrl]: 'string',
      [STEP_OUTPUTS.fallbackFile]: 'slack#/types/file_id',
    });
    expect(step!.output_parameters[STEP_OUTPUTS.fallbackFile]?.is_required).toBe(false);
    expect(readme).toContain('Sync quotes to Notion');
  });
});

/** Where two JSON values differ, as dotted paths (array items by index). */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key));
  }
  return [path];
}

describe('the HTTP mode manifest (made from manifest.json)', () => {
  // A copy of its own: the tests above sort manifest's lists in place.
  const socket = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as typeof manifest;
  const http = httpManifest(socket, 'https://quotes.example.com');
  const url = `https://quotes.example.com${SLACK_REQUESTS_PATH}`;

  it('is valid against Slack\'s published manifest schema', () => {
    const validate = manifestValidator();
    expect(validate(http), JSON.stringify(validate.errors)).toBe(true);
  });

  it('differs from manifest.json only in Socket Mode being off and the request URLs, whatever manifest.json declares', () => {
    expect(differences(socket, http).sort()).toEqual(
      [
        'settings.socket_mode_enabled',
        'settings.event_subscriptions.request_url',
        'settings.interactivity.request_url',
        'settings.interactivity.message_menu_options_url',
        ...socket.features.slash_commands.map((_, i) => `features.slash_commands.${i}.url`),
      ].sort(),
    );
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(http.settings.event_subscriptions).toMatchObject({ request_url: url });
    expect(http.settings.interactivity).toMatchObject({ request_url: url, message_menu_options_url: url });
    for (const command of http.features.slash_commands) expect(command).toMatchObject({ url });
    // The Socket Mode manifest it was made from is left as it was.
    expect(socket.settings.socket_mode_enabled).toBe(true);
  });
});
