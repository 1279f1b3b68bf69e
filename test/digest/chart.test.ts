import { afterEach, describe, expect, it } from 'vitest';
import {
  CHART_DAYS,
  CHART_HEIGHT_PX,
  CHART_WIDTH_PX,
  collectDigestChart,
  digestChartAltText,
  digestChartSvg,
  renderDigestChart,
  type DigestChartData,
} from '../../src/digest/chart.js';
import { collectDigest } from '../../src/digest/content.js';
import type { Quote } from '../../src/quotes/model.js';
import { JobStore } from '../../src/store/index.js';
import { tempDbPath } from '../support/harness.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the PNG's IHDR chunk, which always comes first. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function day(): DigestChartData {
  return {
    date: 'Wed 15 Jan 2025',
    hours: 24,
    written: 60,
    byCategory: [
      { value: 'Pricing', count: 30 },
      { value: 'Onboarding', count: 20 },
      { value: undefined, count: 10 },
    ],
    bySentiment: [
      { value: 'positive', count: 35 },
      { value: 'negative', count: 25 },
    ],
    days: ['Thu 9 Jan', 'Fri 10 Jan', 'Sat 11 Jan', 'Sun 12 Jan', 'Mon 13 Jan', 'Tue 14 Jan', 'Wed 15 Jan'].map((label, i) => ({ label, written: i * 10 })),
    dayEnds: '09:00 UTC',
  };
}

function emptyDay(): DigestChartData {
  return { ...day(), written: 0, byCategory: [], bySentiment: [], days: day().days.map((d) => ({ ...d, written: 0 })) };
}

describe('renderDigestChart', () => {
  it('is a PNG of 1200 × 800 pixels', async () => {
    const png = renderDigestChart(day());
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual({ width: CHART_WIDTH_PX, height: CHART_HEIGHT_PX });
  });

  it('gives the same bytes for the same numbers (it draws with its own font, not the machine’s)', async () => {
    expect(renderDigestChart(day()).equals(renderDigestChart(day()))).toBe(true);
  });

  it('gives a different picture for different numbers', async () => {
    const other = { ...day(), bySentiment: [{ value: 'positive', count: 5 }, { value: 'negative', count: 55 }] };
    expect(renderDigestChart(other).equals(renderDigestChart(day()))).toBe(false);
  });

  it('draws text: the same chart with another heading differs', async () => {
    // Were no font loaded, resvg would skip every text and both would be equal.
    expect(renderDigestChart({ ...day(), date: 'Thu 16 Jan 2025' }).equals(renderDigestChart(day()))).toBe(false);
  });

  it('draws an empty day too, saying that nothing was written', async () => {
    const png = renderDigestChart(emptyDay());
    expect(pngSize(png)).toEqual({ width: CHART_WIDTH_PX, height: CHART_HEIGHT_PX });
    expect(digestChartSvg(emptyDay()).match(/No quotes written/g)).toHaveLength(2);
    expect(digestChartSvg(emptyDay())).toContain('0 quotes written in the last 24 hours');
  });

  it('draws labels with markup and control characters as text', async () => {
    const data = { ...day(), byCategory: [{ value: 'R&D <team> "x"\u0007', count: 3 }] };
    const svg = digestChartSvg(data);
    expect(svg).toContain('R&amp;D &lt;team&gt; &quot;x&quot;');
    expect(svg).not.toContain('<team>');
    expect(svg).not.toContain('\u0007');
    expect(renderDigestChart(data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });
});

describe('digestChartSvg', () => {
  it('shows every tally with its count, the quotes without a value under "no category"', async () => {
    const svg = digestChartSvg(day());
    for (const label of ['Pricing', 'Onboarding', 'no category', 'positive', 'negative', 'By category', 'By sentiment', 'Last 7 days']) expect(svg).toContain(`>${label}<`);
    for (const n of [30, 20, 10, 35, 25]) expect(svg).toContain(`>${n}<`);
  });

  it('shows the seven days under their bars', async () => {
    const svg = digestChartSvg(day());
    for (const d of day().days) expect(svg).toContain(`>${d.label}<`);
    expect(svg).toContain('>60<');
  });

  it('sums the smallest categories past eight bars in one', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ value: `Category ${i + 1}`, count: 100 - i }));
    const svg = digestChartSvg({ ...day(), byCategory: many });
    expect(svg).toContain('>Category 7<');
    expect(svg).not.toContain('>Category 8<');
    // Categories 8 to 12: 93 + 92 + 91 + 90 + 89.
    expect(svg).toContain('>5 others<');
    expect(svg).toContain('>455<');
  });

  it('cuts a long label short', async () => {
    const svg = digestChartSvg({ ...day(), byCategory: [{ value: 'Customer support experience overall', count: 4 }] });
    expect(svg).toContain('>Customer support …<');
  });
});

describe('digestChartAltText', () => {
  it('says what the bars show, for screen readers', async () => {
    expect(digestChartAltText(day())).toBe(
      'Bar charts of the quotes written in the last 24 hours (60): by category: Pricing 30, Onboarding 20, no category 10; ' +
        'by sentiment: positive 35, negative 25; per day for the last 7 days: Thu 9 Jan 0, Fri 10 Jan 10, Sat 11 Jan 20, ' +
        'Sun 12 Jan 30, Mon 13 Jan 40, Tue 14 Jan 50, Wed 15 Jan 60.',
    );
  });
});

describe('collectDigestChart', () => {
  const stores: JobStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  /** Writes `count` quotes of one category and sentiment at `at`. */
  async function writeAt(store: JobStore, clock: { set: (iso: string) => void }, at: string, count: number, category = 'Pricing', sentiment: Quote['sentiment'] = 'positive') {
    clock.set(at);
    const quotes: Quote[] = Array.from({ length: count }, (_, i) => ({ id: `${at}-${i}`, text: `Quote ${at} ${i}`, category, sentiment }));
    const parsed = { format: 'json' as const, quotes: quotes.map((quote, i) => ({ row: i + 1, quote })), rejected: [], duplicates: [], warnings: [] };
    const job = await store.jobs.create({ source: 'quotes.json', sourceSha256: at, target: { kind: 'database', databaseId: 'db' }, parsed });
    for (const q of quotes) await store.quotes.setState(job.id, q.id, 'written', { pageId: `page-${q.id}` });
  }

  it('counts the quotes written in each of the seven 24-hour windows before the digest, in DIGEST_TZ', async () => {
    let current = new Date('2025-01-01T00:00:00Z');
    const store = await JobStore.open(tempDbPath(), { now: () => current });
    stores.push(store);
    const clock = { set: (iso: string) => (current = new Date(iso)) };
    await writeAt(store, clock, '2025-01-07T10:00:00Z', 9); // 8 days before: outside the chart
    await writeAt(store, clock, '2025-01-09T09:30:00Z', 2); // just after the oldest window ends (9 Jan 09:00): in the second
    await writeAt(store, clock, '2025-01-12T20:00:00Z', 4);
    await writeAt(store, clock, '2025-01-15T08:00:00Z', 3, 'Support', 'negative'); // the digest's own window
    const digest = await collectDigest(store, { now: new Date('2025-01-15T09:00:00Z') });
    const chart = await collectDigestChart(store, digest, 'America/New_York');
    expect(chart.days).toHaveLength(CHART_DAYS);
    // Windows end at 04:00 in New York (09:00 UTC): named by the day they end on there.
    expect(chart.days).toEqual([
      { label: 'Thu 9 Jan', written: 0 },
      { label: 'Fri 10 Jan', written: 2 },
      { label: 'Sat 11 Jan', written: 0 },
      { label: 'Sun 12 Jan', written: 0 },
      { label: 'Mon 13 Jan', written: 4 },
      { label: 'Tue 14 Jan', written: 0 },
      { label: 'Wed 15 Jan', written: 3 },
    ]);
    expect(chart.written).toBe(3);
    expect(chart.byCategory).toEqual([{ value: 'Support', count: 3 }]);
    expect(chart.bySentiment).toEqual([{ value: 'negative', count: 3 }]);
    expect(chart.date).toBe('Wed 15 Jan 2025');
    expect(chart.dayEnds).toBe('04:00 America/New_York');
  });
});
