/** The command line's reporter: a redrawn progress bar on a terminal, plain lines otherwise. */
import type { JobProgress, JobReporter } from '../sync/run/engine.js';
import type { FieldWarning } from '../quotes/model.js';
import type { FieldReport } from '../store/index.js';
import { describeFields } from '../sync/target/job-fields.js';
import type { SyncReport } from '../sync/outcome/report.js';
import { terminalDuration } from '../time/duration.js';

export interface TerminalOutput {
  write(text: string): void;
  isTTY?: boolean;
}

const BAR_WIDTH = 24;
/** Plain-line mode prints at most this often. */
const LINE_INTERVAL_MS = 5000;

export function progressLine(p: JobProgress): string {
  const fraction = p.toWrite === 0 ? 1 : Math.min(1, p.settled / p.toWrite);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = '#'.repeat(filled) + '.'.repeat(BAR_WIDTH - filled);
  const c = p.counts;
  const retries = p.retries.conflict + p.retries.rateLimited + p.retries.server;
  const eta = p.etaSeconds === undefined ? '' : ` · ETA ${terminalDuration(p.etaSeconds)}`;
  return (
    `[${bar}] ${Math.floor(fraction * 100)}% ${p.settled}/${p.toWrite} · written ${c.written} · present ${c.alreadyPresent}` +
    (c.updated || c.unchanged ? ` · updated ${c.updated} · unchanged ${c.unchanged}` : '') +
    ` · failed ${c.failed} · retries ${retries} · ${p.ratePerSecond.toFixed(1)}/s${eta}`
  );
}

export function terminalReporter(out: TerminalOutput, now: () => number = Date.now): JobReporter {
  let lastLine = 0;
  let drewBar = false;
  const clearBar = () => {
    if (drewBar) out.write('\r\x1b[2K');
    drewBar = false;
  };
  return {
    started({ database, toWrite, resumed, fields, warnings }) {
      if (fields?.length) out.write(fieldsText(fields));
      if (warnings?.length) out.write(warningsText(warnings));
      out.write(`${resumed ? 'resuming: ' : ''}${toWrite} quote(s) to write into "${database.title}" ${database.url}\n`);
    },
    progress(p) {
      if (out.isTTY) {
        out.write(`\r\x1b[2K${progressLine(p)}`);
        drewBar = true;
      } else if (now() - lastLine >= LINE_INTERVAL_MS || p.settled === p.toWrite) {
        lastLine = now();
        out.write(`${progressLine(p)}\n`);
      }
    },
    event(e) {
      if (e.kind === 'workspace_limited' || e.kind === 'endpoint_limited') {
        clearBar();
        out.write(`${e.message}\n`);
      } else if (e.kind === 'rate_limited' || e.kind === 'overloaded') {
        clearBar();
        out.write(`notion: ${e.message}; waiting ${terminalDuration((e.waitMs ?? 0) / 1000)}\n`);
      } else if (e.kind === 'breaker_open' || e.kind === 'breaker_closed' || e.kind === 'recovered') {
        clearBar();
        out.write(`${e.message}\n`);
      } else if (e.kind === 'failed' || e.kind === 'rejected') {
        clearBar();
        out.write(`quote ${e.quoteId ?? ''}: ${e.message}\n`);
      }
    },
    note(message) {
      clearBar();
      out.write(`${message}\n`);
    },
    finished() {
      if (drewBar) out.write('\n');
      drewBar = false;
    },
  };
}

/** Where every field goes, a line each, under a line that counts them and names the properties added. */
export function fieldsText(fields: readonly FieldReport[]): string {
  const added = fields.filter((f) => f.added).map((f) => `"${f.property}"`);
  const head = `fields: ${fields.length} field(s), ${added.length ? `${added.length} new propert${added.length === 1 ? 'y' : 'ies'}: ${added.join(', ')}` : 'no new property'}`;
  return [head, ...describeFields(fields).map((line) => `  ${line}`)].join('\n') + '\n';
}

/** Every warning, a line each. */
export function warningsText(warnings: readonly FieldWarning[]): string {
  return [`warnings (${warnings.length}):`, ...warnings.map((w) => `  ${w.message}`)].join('\n') + '\n';
}

export function summaryText(report: SyncReport): string {
  const lines = [
    `job ${report.jobId}: ${report.state}`,
    `  ${report.total} row(s): ${report.written} written, ${report.alreadyPresent} already in Notion, ` +
      (report.updated || report.unchanged ? `${report.updated} updated, ${report.unchanged} unchanged, ` : '') +
      `${report.duplicates} duplicate(s), ${report.rejected.length} rejected, ${report.failed.length} failed` +
      (report.pending ? `, ${report.pending} still to write` : ''),
    `  ${report.requests} Notion request(s) in ${terminalDuration(report.durationMs / 1000)}; retries: ` +
      `${report.retries.conflict} conflict, ${report.retries.rateLimited} rate-limited, ${report.retries.server} server/network ` +
      `(${report.retries.ambiguous} looked up)`,
  ];
  if (report.breakerTrips) lines.push(`  the circuit breaker opened ${report.breakerTrips} time(s)`);
  for (const db of report.databases) lines.push(`  database "${db.title}": ${db.url}`);
  for (const r of report.rejected.slice(0, 20)) lines.push(`  rejected row ${r.row}: ${r.reason.replace(/^row \d+: /, "")}`);
  if (report.rejected.length > 20) lines.push(`  … and ${report.rejected.length - 20} more rejected row(s)`);
  // Quotes that failed for one reason (the job stopped) are one line, not one per quote; the reason said once.
  const byReason = new Map<string, string[]>();
  for (const f of report.failed) byReason.set(f.reason, [...(byReason.get(f.reason) ?? []), f.id]);
  let shown = 0;
  for (const [reason, ids] of byReason) {
    if (shown >= 20) break;
    shown += 1;
    const said = reason === report.error ? '' : `: ${reason}`;
    lines.push(ids.length === 1 ? `  failed ${ids[0]}${said}` : `  ${ids.length} failed (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''})${said}`);
  }
  if (byReason.size > shown) lines.push(`  … and ${byReason.size - shown} more reason(s) quotes failed for`);
  if (report.error) lines.push(`  ${report.error}`);
  return lines.join('\n') + '\n';
}
