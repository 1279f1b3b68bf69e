import { describe, expect, it } from 'vitest';
import { escapeCell, unescapeCell } from '../../src/quotes/cells.js';

describe('escapeCell', () => {
  it.each(['=SUM(A1:A2)', '+1', '-5%', '@channel', '\tindented', '\rreturn', "'quoted"])('prefixes %j with an apostrophe', (s) => {
    expect(escapeCell(s)).toBe(`'${s}`);
  });

  it.each(['plain', '', ' =leading space', 'a=b', '5-3', 'émoji 🚀', "it's"])('leaves %j alone', (s) => {
    expect(escapeCell(s)).toBe(s);
  });
});

describe('unescapeCell', () => {
  it('removes exactly one apostrophe when a formula trigger follows', () => {
    expect(unescapeCell("'=1+1")).toBe('=1+1');
    expect(unescapeCell("''=1+1")).toBe("'=1+1");
    expect(unescapeCell("''quoted")).toBe("'quoted");
  });

  it('keeps an apostrophe a person typed before ordinary text', () => {
    expect(unescapeCell("'Tis the season")).toBe("'Tis the season");
    expect(unescapeCell("'")).toBe("'");
    expect(unescapeCell('=1+1')).toBe('=1+1');
  });

  it('undoes escapeCell for every string, however many apostrophes and triggers it starts with', () => {
    const alphabet = ["'", '=', '+', '-', '@', '\t', '\r', 'a', ' ', '🚀'];
    const strings = [''];
    for (let length = 1; length <= 4; length++) {
      for (const prefix of strings.filter((s) => [...s].length === length - 1)) {
        for (const c of alphabet) strings.push(prefix + c);
      }
    }
    expect(strings.length).toBeGreaterThan(1000);
    for (const s of strings) expect(unescapeCell(escapeCell(s))).toBe(s);
  });
});
