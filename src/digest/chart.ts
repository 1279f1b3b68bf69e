/**
 * The digest's picture: the quotes written in its window by category and by sentiment, and the
 * quotes written in each of the last seven days, as one PNG posted in the digest's thread.
 * The text digest stays the full account (screen readers); the picture is for a glance.
 *
 * Drawn as SVG here, then rasterised by resvg (a Rust renderer shipped prebuilt in npm packages,
 * no browser). It draws with the DejaVu Sans files of the `dejavu-fonts-ttf` package and never
 * with the machine's fonts, so the same numbers give the same bytes on every machine.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import type { JobStore } from '../store/index.js';
import { truncate, type DigestData, type Tally } from './content.js';

export const CHART_WIDTH_PX = 1200;
export const CHART_HEIGHT_PX = 800;
export const CHART_DAYS = 7;
const DAY_MS = 86_400_000;
/** Bars per panel; the rest are summed in one "other" bar. */
const MAX_BARS = 8;
/** About what fits in the label column at the label size. */
const LABEL_CHARS = 18;
/** Slack's limit for an image's alt text. */
const MAX_ALT_CHARS = 1000;

const FONT_FAMILY = 'DejaVu Sans';
const require = createRequire(import.meta.url);
const FONT_FILES = [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')];

const INK = '#1d1c1d';
const MUTED = '#616061';
const RULE = '#dddddd';
const BAR = '#4c78a8';
const TODAY_BAR = '#2f4b7c';
/** Sentiments a person reads by colour; any other value gets the plain bar colour. */
const SENTIMENT_COLOURS: Record<string, string> = { positive: '#54a24b', negative: '#e45756', neutral: '#9d9d9d', mixed: '#f58518' };

export interface DayCount {
  /** How the day is named under its bar (e.g. "Wed 15 Jan"). */
  label: string;
  written: number;
}

export interface DigestChartData {
  /** The heading's date (e.g. "Wed 15 Jan 2025"). */
  date: string;
  hours: number;
  written: number;
  byCategory: Tally[];
  bySentiment: Tally[];
  /** Oldest first; the last is the 24 hours before the digest. */
  days: DayCount[];
  /** When each day ends, for the note under the heading (e.g. "09:00 UTC"). */
  dayEnds: string;
}

/**
 * The chart's numbers: the digest's own tallies, and the quotes written in each of the seven
 * 24-hour windows before it (the same windows as the digest's, so the last bar is its count).
 */
export async function collectDigestChart(store: JobStore, digest: DigestData, timezone: string): Promise<DigestChartData> {
  const to = digest.to.getTime();
  const days: DayCount[] = [];
  for (let back = CHART_DAYS - 1; back >= 0; back--) {
    const end = new Date(to - back * DAY_MS);
    const states = await store.digest.quoteStatesBetween(new Date(end.getTime() - DAY_MS), end);
    days.push({ label: format(end, timezone, { weekday: 'short', day: 'numeric', month: 'short' }), written: states.written ?? 0 });
  }
  return {
    date: format(digest.to, timezone, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }),
    hours: digest.hours,
    written: digest.quotes.written,
    byCategory: digest.byCategory,
    bySentiment: digest.bySentiment,
    days,
    dayEnds: `${format(digest.to, timezone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })} ${timezone}`,
  };
}

/** The chart as PNG bytes (CHART_WIDTH_PX × CHART_HEIGHT_PX). */
export function renderDigestChart(data: DigestChartData): Buffer {
  const resvg = new Resvg(digestChartSvg(data), {
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'original' },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}

/** The chart as an SVG document. */
export function digestChartSvg(data: DigestChartData): string {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH_PX}" height="${CHART_HEIGHT_PX}" viewBox="0 0 ${CHART_WIDTH_PX} ${CHART_HEIGHT_PX}" font-family="${FONT_FAMILY}">`,
    `<rect width="${CHART_WIDTH_PX}" height="${CHART_HEIGHT_PX}" fill="#ffffff"/>`,
    text(40, 56, `Quote Sync digest · ${data.date}`, { size: 30, bold: true }),
    text(40, 90, `${count(data.written)} ${data.written === 1 ? 'quote' : 'quotes'} written in the last ${data.hours} hours`, { size: 20, fill: MUTED }),
    tallyPanel({ x: 40, y: 130, width: 540, height: 330 }, 'By category', data.byCategory, 'no category', () => BAR),
    tallyPanel({ x: 620, y: 130, width: 540, height: 330 }, 'By sentiment', data.bySentiment, 'no sentiment', sentimentColour),
    daysPanel({ x: 40, y: 500, width: 1120, height: 280 }, data),
    '</svg>',
  ];
  return parts.join('\n');
}

/** What the picture shows, in words, for Slack's alt text. */
export function digestChartAltText(data: DigestChartData): string {
  const tallies = (tallies: Tally[], none: string) =>
    tallies.length === 0 ? 'none' : tallies.map((t) => `${t.value ?? none} ${t.count}`).join(', ');
  const text =
    `Bar charts of the quotes written in the last ${data.hours} hours (${data.written}): ` +
    `by category: ${tallies(data.byCategory, 'no category')}; by sentiment: ${tallies(data.bySentiment, 'no sentiment')}; ` +
    `per day for the last ${data.days.length} days: ${data.days.map((d) => `${d.label} ${d.written}`).join(', ')}.`;
  return truncate(text, MAX_ALT_CHARS);
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function tallyPanel(box: Box, title: string, tallies: Tally[], none: string, colour: (value: string | undefined) => string): string {
  const out = [text(box.x, box.y + 24, title, { size: 22, bold: true }), rule(box.x, box.y + 40, box.width)];
  const bars = topBars(tallies, none);
  const top = box.y + 56;
  if (bars.length === 0) {
    out.push(text(box.x + box.width / 2, top + (box.height - 56) / 2, 'No quotes written', { size: 20, fill: MUTED, anchor: 'middle' }));
    return out.join('\n');
  }
  const row = Math.min(34, (box.height - 56) / bars.length);
  const labelWidth = 200;
  const countWidth = 70;
  const barMax = box.width - labelWidth - countWidth;
  const most = Math.max(...bars.map((b) => b.count));
  bars.forEach((bar, i) => {
    const y = top + i * row;
    const length = bar.count === 0 ? 0 : Math.max(2, (bar.count / most) * barMax);
    const middle = y + row / 2;
    out.push(
      text(box.x + labelWidth - 12, middle + 7, truncate(bar.label, LABEL_CHARS), { size: 19, anchor: 'end', fill: bar.muted ? MUTED : INK }),
      `<rect x="${box.x + labelWidth}" y="${fixed(y + row * 0.15)}" width="${fixed(length)}" height="${fixed(row * 0.7)}" fill="${bar.muted ? RULE : colour(bar.value)}"/>`,
      text(box.x + labelWidth + length + 8, middle + 7, count(bar.count), { size: 19 }),
    );
  });
  return out.join('\n');
}

interface Bar {
  label: string;
  value: string | undefined;
  count: number;
  /** Not a value of the data: "no category", "other". */
  muted: boolean;
}

/** The largest tallies, and the rest summed in one bar. */
function topBars(tallies: Tally[], none: string): Bar[] {
  const bars = tallies.map((t) => ({ label: t.value ?? none, value: t.value, count: t.count, muted: t.value === undefined }));
  if (bars.length <= MAX_BARS) return bars;
  const rest = bars.slice(MAX_BARS - 1);
  const other = { label: `${rest.length} others`, value: undefined, count: rest.reduce((sum, b) => sum + b.count, 0), muted: true };
  return [...bars.slice(0, MAX_BARS - 1), other];
}

function daysPanel(box: Box, data: DigestChartData): string {
  const out = [
    text(box.x, box.y + 24, `Last ${data.days.length} days`, { size: 22, bold: true }),
    text(box.x + box.width, box.y + 24, `each bar: quotes written in the 24 hours to ${data.dayEnds}`, { size: 18, fill: MUTED, anchor: 'end' }),
  ];
  const baseline = box.y + box.height - 40;
  const plotTop = box.y + 76;
  const most = Math.max(0, ...data.days.map((d) => d.written));
  const slot = box.width / data.days.length;
  const barWidth = Math.min(90, slot * 0.6);
  data.days.forEach((day, i) => {
    const centre = box.x + slot * i + slot / 2;
    const height = most === 0 || day.written === 0 ? 0 : Math.max(2, (day.written / most) * (baseline - plotTop));
    const last = i === data.days.length - 1;
    out.push(
      `<rect x="${fixed(centre - barWidth / 2)}" y="${fixed(baseline - height)}" width="${fixed(barWidth)}" height="${fixed(height)}" fill="${last ? TODAY_BAR : BAR}"/>`,
      text(centre, baseline - height - 10, count(day.written), { size: 19, anchor: 'middle', bold: last }),
      text(centre, baseline + 28, day.label, { size: 18, anchor: 'middle', fill: last ? INK : MUTED, bold: last }),
    );
  });
  out.push(rule(box.x, baseline, box.width));
  return out.join('\n');
}

function sentimentColour(value: string | undefined): string {
  return (value !== undefined && SENTIMENT_COLOURS[value.trim().toLowerCase()]) || BAR;
}

function text(x: number, y: number, content: string, o: { size: number; bold?: boolean; fill?: string; anchor?: 'start' | 'middle' | 'end' }): string {
  const attributes = [
    `x="${fixed(x)}"`,
    `y="${fixed(y)}"`,
    `font-size="${o.size}"`,
    ...(o.bold ? ['font-weight="bold"'] : []),
    `fill="${o.fill ?? INK}"`,
    ...(o.anchor && o.anchor !== 'start' ? [`text-anchor="${o.anchor}"`] : []),
  ];
  return `<text ${attributes.join(' ')}>${escapeXml(content)}</text>`;
}

function rule(x: number, y: number, width: number): string {
  return `<line x1="${x}" y1="${y}" x2="${x + width}" y2="${y}" stroke="${RULE}" stroke-width="2"/>`;
}

/**
 * Labels come from quotes (an LLM's categories): everything XML reads as markup is escaped, and
 * characters XML cannot hold at all (controls, lone surrogates) are dropped.
 */
export function escapeXml(value: string): string {
  return value
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function fixed(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function format(date: Date, timezone: string, options: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, ...options }).format(date).replace(/,/g, '');
}
