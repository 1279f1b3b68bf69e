import { describe, expect, it } from 'vitest';
import { fallbackComment } from '../../../src/slack/thread/messages.js';
import type { SyncReport } from '../../../src/sync/outcome/report.js';

const report = (parts: Partial<SyncReport>): SyncReport => ({
  jobId: 'a1b2c3d4e5',
  state: 'partial',
  total: 0,
  written: 0,
  alreadyPresent: 0,
  updated: 0,
  unchanged: 0,
  duplicates: 0,
  pending: 0,
  rejected: [],
  fields: [],
  warnings: [],
  failed: [],
  databases: [],
  requests: 0,
  retries: { conflict: 0, rateLimited: 0, server: 0, ambiguous: 0 },
  durationMs: 0,
  breakerTrips: 0,
  ...parts,
});

describe('the comment on the fallback CSV', () => {
  it('counts every kind of row the file holds, the quotes a stopped job never tried included', () => {
    expect(fallbackComment(report({ state: 'cancelled', pending: 187 }))).toMatch(
      /^This file holds the 187 quote\(s\) not written yet \(the job stopped first\), each with the reason\. Once the cause is fixed, upload/,
    );
    expect(fallbackComment(report({ failed: [{ id: 'q1', reason: 'x' }], pending: 3, rejected: [{ row: 4, reason: 'empty' }] }))).toMatch(
      /^This file holds the 1 quote\(s\) Notion did not take, the 3 quote\(s\) not written yet \(the job stopped first\) and the 1 rejected row\(s\), each with the reason\./,
    );
    expect(fallbackComment(report({ rejected: [{ row: 4, reason: 'empty' }] }))).toMatch(/^This file holds the 1 row\(s\) that could not be read as quotes/);
  });
});
