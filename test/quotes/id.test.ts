import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatedQuoteId, normaliseTextForId, normaliseUrlForId, quoteId } from '../../src/quotes/id.js';

const URL_A = 'https://www.reddit.com/r/SaaS/comments/abc/title/';

describe('generated quote ids', () => {
  it('are q_ and the first 24 hex digits of sha256(normalised text + "\\n" + normalised URL)', () => {
    const digest = createHash('sha256').update('hello, world\nhttps://www.reddit.com/r/SaaS/comments/abc/title').digest('hex');
    expect(generatedQuoteId('  Hello,\n World ', URL_A)).toBe(`q_${digest.slice(0, 24)}`);
  });

  it('ignore case, spacing and Unicode composition of the text', () => {
    const id = generatedQuoteId('The export mangles commas.', URL_A);
    expect(generatedQuoteId('  the EXPORT\tmangles\n\ncommas.  ', URL_A)).toBe(id);
    expect(generatedQuoteId('Café', URL_A)).toBe(generatedQuoteId('Cafe\u0301', URL_A));
  });

  it('ignore host case, trailing slashes, query string and fragment of the URL', () => {
    const id = generatedQuoteId('x', URL_A);
    expect(generatedQuoteId('x', 'https://WWW.REDDIT.COM/r/SaaS/comments/abc/title')).toBe(id);
    expect(generatedQuoteId('x', 'https://www.reddit.com/r/SaaS/comments/abc/title//?utm_source=share#c1')).toBe(id);
  });

  it('differ when the text or the post differs', () => {
    const id = generatedQuoteId('x', URL_A);
    expect(generatedQuoteId('y', URL_A)).not.toBe(id);
    expect(generatedQuoteId('x', 'https://www.reddit.com/r/SaaS/comments/abd/title/')).not.toBe(id);
    expect(generatedQuoteId('x')).not.toBe(id);
    expect(generatedQuoteId('x')).toBe(generatedQuoteId('x', ''));
  });

});

describe('quoteId', () => {
  it("uses the input's own id, trimmed", () => {
    expect(quoteId('text', URL_A, '  ext-42 ')).toBe('ext-42');
  });

  it('generates one when the own id is blank or absent', () => {
    expect(quoteId('text', URL_A, '  ')).toBe(generatedQuoteId('text', URL_A));
    expect(quoteId('text', URL_A)).toBe(generatedQuoteId('text', URL_A));
  });
});

describe('normalisation for ids', () => {
  it('normalises text: NFC, trimmed, whitespace collapsed, lower-cased', () => {
    expect(normaliseTextForId('  Ünïcode\u00a0 AND\r\n\ttabs ')).toBe('ünïcode and tabs');
  });

  it('normalises URLs and gives an empty string for none or an unparseable one', () => {
    expect(normaliseUrlForId('HTTPS://Old.Reddit.com/r/x/comments/1/?a=b#c')).toBe('https://old.reddit.com/r/x/comments/1');
    expect(normaliseUrlForId('https://reddit.com/')).toBe('https://reddit.com');
    expect(normaliseUrlForId(undefined)).toBe('');
    expect(normaliseUrlForId('not a url')).toBe('');
  });
});
