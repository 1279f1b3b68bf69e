/** Who may start a sync where: ALLOWED_USER_IDS and ALLOWED_CHANNEL_IDS (empty means everyone). Pure. */
import type { Config } from '../config.js';

/** Undefined when allowed, else the sentence to show the person (ephemerally). */
export function refusal(access: Config['access'], who: { userId: string | undefined; channelId: string }): string | undefined {
  if (access.allowedChannelIds.length > 0 && !access.allowedChannelIds.includes(who.channelId)) {
    return 'Quote Sync is not enabled in this channel. Ask an admin to add it to ALLOWED_CHANNEL_IDS, or use a channel where it is.';
  }
  if (access.allowedUserIds.length > 0 && (!who.userId || !access.allowedUserIds.includes(who.userId))) {
    return 'You are not on the list of people who can start a sync (ALLOWED_USER_IDS). Ask an admin to add you.';
  }
  return undefined;
}
