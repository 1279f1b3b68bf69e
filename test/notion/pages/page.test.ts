import { describe, expect, it } from 'vitest';
import { quoteIdOf, quoteToPage, splitText, textFromRichText } from '../../../src/notion/pages/page.js';
import { seededRandom } from '../../support/random.js';

const ds = 'ds-1';
const title = (m: ReturnType<typeof quoteToPage>) => {
  if (!m.ok) throw new Error(m.reason);
  return (m.body.properties as Record<string, { title?: { text: { content: string } }[] }>).Quote!.title!;
};

describe('splitText', () => {
  it.each([0, 1, 1999, 2000, 2001, 4000, 200_000])('keeps %i characters exactly, in segments of at most 2000', (n) => {
    const text = 'a'.repeat(n);
    const segments = splitText(text);
    expect(segments.join('')).toBe(text);
    expect(segments.every((s) => s.length <= 2000 && s.length > 0)).toBe(true);
    expect(segments.length).toBe(Math.ceil(n / 2000));
  });

  it('never splits an emoji straddling the boundary', () => {
    const family = '👨‍👩‍👧‍👦'; // 11 UTF-16 units, one grapheme
    const text = 'a'.repeat(1995) + family + 'b';
    const segments = splitText(text);
    expect(segments[0]).toBe('a'.repeat(1995));
    expect(segments[1]).toBe(family + 'b');
    const pair = 'a'.repeat(1999) + '😀';
    expect(splitText(pair)).toEqual(['a'.repeat(1999), '😀']);
  });

  it('keeps combining marks with their letter', () => {
    const text = 'x'.repeat(1999) + 'e\u0301' + 'z';
    const segments = splitText(text);
    expect(segments[1]!.startsWith('e\u0301')).toBe(true);
  });

  it('cuts a single cluster longer than a segment between code points', () => {
    const zalgo = 'a' + '\u0301'.repeat(4500);
    const segments = splitText(zalgo);
    expect(segments.join('')).toBe(zalgo);
    expect(segments.every((s) => s.length <= 2000)).toBe(true);
  });

  it('round-trips 500 seeded random strings of ASCII, emoji, surrogates and combining marks', () => {
    const random = seededRandom(42);
    const pieces = ['a', 'Z', ' ', '\n', 'é', 'e\u0301', '😀', '👍🏽', '🇫🇷', '👨‍👩‍👧', '引', 'ا', 'ह', '\u{1F9D1}\u200D\u{1F680}'];
    for (let i = 0; i < 500; i++) {
      const length = Math.floor(random() * 10_000);
      let s = '';
      while (s.length < length) s += pieces[Math.floor(random() * pieces.length)];
      const segments = splitText(s);
      expect(segments.join('')).toBe(s);
      for (const seg of segments) {
        expect(seg.length).toBeLessThanOrEqual(2000);
        expect(seg.length).toBeGreaterThan(0);
        const first = seg.charCodeAt(0);
        expect(first >= 0xdc00 && first <= 0xdfff).toBe(false);
      }
    }
  });
});

describe('quoteToPage', () => {
  it('maps every field into the schema and back', () => {
    const m = quoteToPage(
      {
        id: 'q_1',
        text: 'The pricing page is confusing 😕 — 価格',
        category: 'Pricing',
        sentiment: 'negative',
        relevanceScore: 0.85,
        relevanceJustification: 'Mentions pricing directly',
        redditUrl: 'https://www.reddit.com/r/saas/comments/1/x/',
        subreddit: 'saas',
        postTitle: 'What confuses you?',
        insertedAt: '2024-05-01',
      },
      ds,
    );
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    expect(m.body.parent).toEqual({ type: 'data_source_id', data_source_id: ds });
    expect(m.body.properties).toMatchObject({
      Category: { select: { name: 'Pricing' } },
      Sentiment: { select: { name: 'negative' } },
      Relevance: { number: 0.85 },
      'Reddit URL': { url: 'https://www.reddit.com/r/saas/comments/1/x/' },
      Subreddit: { select: { name: 'saas' } },
      'Date Added': { date: { start: '2024-05-01' } },
    });
    expect(textFromRichText(title(m))).toBe('The pricing page is confusing 😕 — 価格');
    expect(quoteIdOf(m.body as never)).toBe('q_1');
  });

  it('leaves out absent optional fields and never sends an empty rich text item', () => {
    const m = quoteToPage({ id: 'q', text: 'only text' }, ds);
    expect(m.ok && Object.keys(m.body.properties ?? {}).sort()).toEqual(['Quote', 'Quote ID']);
  });

  it('guards select names (commas, 100 characters) and drops a URL over 2000 characters', () => {
    const m = quoteToPage({ id: 'q', text: 't', category: 'a,b,' + 'c'.repeat(200), redditUrl: 'https://x.com/' + 'a'.repeat(2000) }, ds);
    if (!m.ok) throw new Error(m.reason);
    const name = (m.body.properties as Record<string, { select: { name: string } }>).Category!.select.name;
    expect(name).not.toContain(',');
    expect(name.length).toBeLessThanOrEqual(100);
    expect(m.body.properties).not.toHaveProperty('Reddit URL');
  });

  it('takes 200,000 characters of text and rejects 200,001 with the sizes', () => {
    expect(title(quoteToPage({ id: 'q', text: 'a'.repeat(200_000) }, ds))).toHaveLength(100);
    const over = quoteToPage({ id: 'q', text: 'a'.repeat(200_001) }, ds);
    expect(over).toEqual({ ok: false, reason: 'the text is 200,001 characters; Notion takes at most 200,000 in one title' });
  });

  it('rejects a quote whose request would pass 500 KB, before Notion does', () => {
    // 150,000 CJK characters fit the 100 segments but are ~450 KB of UTF-8; with a long justification, over 500 KB.
    const m = quoteToPage({ id: 'q', text: '引'.repeat(150_000), relevanceJustification: '理'.repeat(30_000) }, ds);
    expect(m.ok).toBe(false);
    expect(!m.ok && m.reason).toMatch(/bytes as a Notion request; Notion takes at most 500,000/);
    const fits = quoteToPage({ id: 'q', text: '引'.repeat(150_000) }, ds);
    expect(fits.ok && fits.bodyBytes).toBeLessThan(500_000);
  });

  it('rejects an over-long justification naming the field', () => {
    const m = quoteToPage({ id: 'q', text: 't', relevanceJustification: 'j'.repeat(200_001) }, ds);
    expect(!m.ok && m.reason).toMatch(/^the relevance justification is 200,001 characters/);
  });
});
