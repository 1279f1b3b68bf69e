/** Every Slack entry point of the app, registered in one place, and the app's extra HTTP routes. */
import type { App } from '@slack/bolt';
import type { AppContext, AppRoute } from '../src/slack/app/app.js';
import { digestSubcommand, register as registerDigest } from './digest.js';
import { register as registerFileUpload } from './file-upload.js';
import { gumloopSubcommands, gumloopWebhook } from './gumloop.js';
import { register as registerHomeTab } from './home-tab.js';
import { register as registerJobButtons } from './job-buttons.js';
import { register as registerSyncQuotes } from './sync-quotes.js';
import { register as registerTarget } from './target.js';
import { register as registerWorkflowStep } from './workflow-step.js';

export function register(app: App, context: AppContext): void {
  registerSyncQuotes(app, context, { ...gumloopSubcommands(context), ...digestSubcommand(app, context) });
  registerFileUpload(app, context);
  registerDigest(app, context);
  registerHomeTab(app, context);
  registerJobButtons(app, context);
  registerTarget(app, context);
  registerWorkflowStep(app, context);
}

export const routes: AppRoute[] = [gumloopWebhook];
