/**
 * How long something takes or took, as text. Each audience has its own form, and people read
 * each as it is, so they stay four functions rather than one with options.
 */

/** The command line: "42s", "3m05s", "2h07m"; "?" when there is no estimate. */
export function terminalDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A Slack thread: "42s", "3m 5s", "2h 7m". */
export function slackDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** A wait in the writer's events: "30 s", "1.5 s", "0.2 s": whole seconds once they are many, tenths below ten. */
export function waitInSeconds(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 ? Math.round(s) : Math.round(s * 10) / 10} s`;
}

/** A sentence in an error message: "45 seconds", "10 minutes". */
export function durationInWords(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.round(seconds / 60);
  return `${minutes} minutes`;
}
