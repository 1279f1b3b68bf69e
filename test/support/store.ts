/** A store in a fresh temporary folder, and one small input with every kind of row. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedQuotes } from '../../src/quotes/model.js';
import type { JobTarget } from '../../src/store/index.js';

/** Three valid quotes (rows 2, 3, 5), one rejected row (4) and one duplicate (6). */
export const parsed: ParsedQuotes = {
  format: 'csv',
  quotes: [
    { row: 2, quote: { id: 'q1', text: 'first' } },
    { row: 3, quote: { id: 'q2', text: 'second', category: 'Pricing' } },
    { row: 5, quote: { id: 'q3', text: 'third' } },
  ],
  rejected: [{ row: 4, reason: 'the text is empty', raw: { text: '' } }],
  duplicates: [{ row: 6, id: 'q1', firstRow: 2 }],
  warnings: [],
};

export const target: JobTarget = { kind: 'parent', parentPageId: 'p', title: 'Quotes' };

/** A path for a store file that does not exist yet, in a folder that does not exist yet either. */
export function freshStorePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'quote-sync-store-')), 'nested', 'jobs.db');
}
