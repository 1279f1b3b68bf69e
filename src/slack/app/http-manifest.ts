/**
 * The app's manifest for HTTP mode, made from manifest.json (Socket Mode), so the two never
 * drift: a command, event or function added to manifest.json is in the HTTP one too.
 *
 * In HTTP mode Slack needs to be told where to send what it sends: the app receives slash
 * commands, events and interactivity (the job message's buttons, the message shortcut, the
 * target form and its searchable selects) on one path, Bolt's default. Nothing else changes.
 * `npm run manifest:http -- https://your.host` writes it (scripts/manifest-http.ts).
 */
import { ConfigError } from '../../errors.js';

/** Where the app's HTTP receiver takes every request from Slack (Bolt's default endpoint). */
export const SLACK_REQUESTS_PATH = '/slack/events';

/** The parts of a manifest this module changes; everything else is carried over as it is. */
export interface SlackManifest {
  features?: { slash_commands?: ({ url?: string } & Record<string, unknown>)[] } & Record<string, unknown>;
  settings?: {
    socket_mode_enabled?: boolean;
    event_subscriptions?: { request_url?: string } & Record<string, unknown>;
    interactivity?: { is_enabled: boolean; request_url?: string; message_menu_options_url?: string } & Record<string, unknown>;
  } & Record<string, unknown>;
  [key: string]: unknown;
}

/** The URL Slack posts to for the app at `publicUrl` (an https address, optionally with a path the proxy adds). */
export function slackRequestUrl(publicUrl: string): string {
  const url = URL.canParse(publicUrl) ? new URL(publicUrl) : undefined;
  if (!url || url.protocol !== 'https:' || url.search || url.hash || url.username) {
    throw new ConfigError(
      `"${publicUrl}" is not a public https address for the app. Give the address Slack reaches the app at, such as https://quotes.example.com ` +
        '(Slack sends its requests over https only; a path is kept, a query or a fragment is not allowed).',
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}${SLACK_REQUESTS_PATH}`;
}

/** `manifest` (manifest.json, Socket Mode) for HTTP mode at `publicUrl`: Socket Mode off, and every request URL set. */
export function httpManifest<T extends SlackManifest>(manifest: T, publicUrl: string): T {
  const requestUrl = slackRequestUrl(publicUrl);
  const copy = structuredClone(manifest);
  const { features, settings } = copy;
  for (const command of features?.slash_commands ?? []) command.url = requestUrl;
  copy.settings = {
    ...settings,
    socket_mode_enabled: false,
    ...(settings?.event_subscriptions ? { event_subscriptions: { ...settings.event_subscriptions, request_url: requestUrl } } : {}),
    ...(settings?.interactivity?.is_enabled
      ? { interactivity: { ...settings.interactivity, request_url: requestUrl, message_menu_options_url: requestUrl } }
      : {}),
  };
  return copy;
}
