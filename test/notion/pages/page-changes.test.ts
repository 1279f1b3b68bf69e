import { describe, expect, it } from 'vitest';
import { changedProperties, sameValue } from '../../../src/notion/pages/page-changes.js';

/** A property as Notion returns it (with plain_text and annotations), from what was sent. */
const heldText = (content: string) => ({ rich_text: [{ type: 'text', text: { content, link: null }, plain_text: content, annotations: {} }] });
const sentText = (...segments: string[]) => ({ rich_text: segments.map((content) => ({ type: 'text', text: { content } })) });

describe('sameValue', () => {
  it('compares rich text by its plain text, whatever the segments', () => {
    expect(sameValue(sentText('引用 👨‍👩‍👧‍👦 ', 'quote'), heldText('引用 👨‍👩‍👧‍👦 quote'))).toBe(true);
    expect(sameValue(sentText('a'), heldText('b'))).toBe(false);
  });

  it('compares a select by its name, a number by its value, a url as text', () => {
    expect(sameValue({ select: { name: 'Pricing' } }, { select: { id: 'x|1', name: 'Pricing', color: 'blue' } })).toBe(true);
    expect(sameValue({ select: { name: 'Pricing' } }, { select: null })).toBe(false);
    expect(sameValue({ number: 0.8 }, { number: 0.8 })).toBe(true);
    expect(sameValue({ number: 0 }, { number: null })).toBe(false);
    expect(sameValue({ url: 'https://reddit.com/r/x' }, { url: 'https://reddit.com/r/y' })).toBe(false);
  });

  it('compares dates as instants, as Notion rewrites their form', () => {
    expect(sameValue({ date: { start: '2025-01-05T10:00:00.000Z' } }, { date: { start: '2025-01-05T10:00:00.000+00:00', end: null } })).toBe(true);
    expect(sameValue({ date: { start: '2025-01-05' } }, { date: { start: '2025-01-06' } })).toBe(false);
  });
});

describe('changedProperties', () => {
  const page = {
    Quote: { title: [{ plain_text: 'old text' }] },
    'Quote ID': heldText('q-1'),
    Category: { select: { name: 'Pricing' } },
    Relevance: { number: 0.4 },
    Justification: heldText('because'),
    Sentiment: { select: { name: 'negative' } },
  };

  it('sets just what differs, never the text or the id, and clears nothing the input leaves out', () => {
    const wanted = {
      Quote: { title: [{ text: { content: 'new text' } }] },
      'Quote ID': sentText('q-2'),
      Category: { select: { name: 'Reliability' } },
      Relevance: { number: 0.4 },
      Justification: sentText('because'),
      // No Sentiment: the page keeps "negative".
    };
    expect(changedProperties(wanted, page)).toEqual({ Category: { select: { name: 'Reliability' } } });
  });

  it('is empty when the page holds the input already', () => {
    expect(changedProperties({ Category: { select: { name: 'Pricing' } }, Relevance: { number: 0.4 } }, page)).toEqual({});
  });

  it('sets a property the page lacks (one a person removed, or a new column)', () => {
    expect(changedProperties({ Subreddit: { select: { name: 'SaaS' } } }, page)).toEqual({ Subreddit: { select: { name: 'SaaS' } } });
  });
});
