/**
 * Retry-After in milliseconds, in the two forms HTTP allows: delay-seconds or an HTTP date.
 * Fractions of a second are read too (the local Notion answers "1.5"). Absent, blank, negative
 * or unreadable gives undefined, so the caller falls back on its own pause.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names its day and month in letters; Date.parse alone would take "-3" as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  // A date already past means: now.
  return Math.max(0, date - nowMs);
}
