/** Every Slack entry point of the app, registered in one place. */
import type { App } from '@slack/bolt';
import type { AppContext } from '../src/slack/app.js';
import { register as registerFileUpload } from './file-upload.js';
import { register as registerSyncQuotes } from './sync-quotes.js';

export function register(app: App, context: AppContext): void {
  registerSyncQuotes(app, context);
  registerFileUpload(app, context);
}
