import { describe, expect, it } from 'vitest';
import { notionIdOf, notionUrlOf } from '../../src/notion/links.js';

const ID = '0123456789abcdef0123456789abcdef';
const DASHED = '01234567-89ab-cdef-0123-456789abcdef';
const VIEW = 'fedcba9876543210fedcba9876543210';

describe('notionIdOf', () => {
  it.each([
    [`https://www.notion.so/acme/Acme-quotes-${ID}?v=${VIEW}&pvs=4`, 'a database link with its view'],
    [`https://www.notion.so/${ID}?v=${VIEW}`, 'a link with the id alone'],
    [`<https://www.notion.so/acme/Acme-quotes-${ID}|Acme quotes>`, 'a link Slack wrapped with its label'],
    [`<https://acme.notion.site/${ID}>`, 'a workspace site link Slack wrapped'],
    [`https://notion.so/acme/%C3%89tudes-${ID}`, 'a title in another script, percent-encoded'],
    [ID.toUpperCase(), 'the id, upper case'],
    [DASHED, 'the id with dashes'],
    [`  ${DASHED}\n`, 'with spaces around'],
  ])('reads %s (%s)', (input) => {
    expect(notionIdOf(input)).toBe(DASHED);
  });

  it.each([
    ['https://example.com/0123456789abcdef0123456789abcdef', 'another site'],
    ['https://www.notion.so/acme/Quotes', 'a link without an id'],
    [`https://www.notion.so/acme?v=${VIEW}`, 'a view id alone'],
    ['Acme quotes', 'a title'],
    ['', 'nothing'],
    ['javascript:alert(1)', 'not a link'],
  ])('finds no id in %s (%s)', (input) => {
    expect(notionIdOf(input)).toBeUndefined();
  });

  it('makes the link Notion gives for an id', () => {
    expect(notionUrlOf(DASHED)).toBe(`https://www.notion.so/${ID}`);
  });
});
