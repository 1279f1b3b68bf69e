/**
 * Where every data row ends up. The readers hand over each row's field values as read; the
 * collector validates them, de-duplicates by id, and sorts the row into `quotes` (valid, first of
 * its id), `duplicates` (same id as an earlier row) or `rejected` (no usable text, or a row the
 * reader could not use), with a warning for each field left out or changed.
 */
import { InputError } from '../../errors.js';
import { FIELD_LABELS, type QuoteField } from '../field-names.js';
import {
  describeValue,
  normaliseCategory,
  normaliseDate,
  normaliseOptionalText,
  normaliseRelevance,
  normaliseSentiment,
  normaliseSubreddit,
  normaliseText,
  normaliseUrl,
  subredditFromUrl,
  type Normalised,
} from '../field-values.js';
import { quoteId } from '../id.js';
import type { DuplicateRow, FieldWarning, ParsedQuotes, Quote, QuoteRow, RejectedRow } from '../model.js';
import type { InputFormat } from './decode.js';
import { listReasons } from './input-warnings.js';

/** Warnings about the input as a whole (ignored columns, …) carry this row number. */
export const INPUT_WARNING_ROW = 0;

/** A row's values as read, by the field each one holds. */
export type FieldValues = Partial<Record<QuoteField, unknown>>;
/** A row as read, by the input's own key names, so the fallback CSV can hand it back. */
export type RawRow = Record<string, unknown>;

/** Validates rows one by one, de-duplicates them by id and gathers what became of each. */
export class QuoteCollector {
  private readonly quotes: QuoteRow[] = [];
  private readonly rejected: RejectedRow[] = [];
  private readonly duplicates: DuplicateRow[] = [];
  private readonly inputWarnings: FieldWarning[] = [];
  private readonly rowWarnings: FieldWarning[] = [];
  private readonly firstRowById = new Map<string, number>();
  private readonly ignored: string[] = [];
  private emptyMessage = 'has no quotes';

  /** What to say when the input holds no data rows at all (header only, empty list). */
  noRows(message: string): void {
    this.emptyMessage = message;
  }

  warnInput(message: string): void {
    this.inputWarnings.push({ row: INPUT_WARNING_ROW, message });
  }

  warnRow(row: number, message: string): void {
    this.rowWarnings.push({ row, message: `row ${row}: ${message}` });
  }

  reject(row: number, reason: string, raw: RawRow): void {
    this.rejected.push({ row, reason: `row ${row}: ${reason}`, raw });
  }

  /** Keys the input has that are not the quote's (the not-written CSV's own `reason` and `row`). */
  ignore(keys: Iterable<string>): void {
    for (const key of keys) if (!this.ignored.includes(key)) this.ignored.push(key);
  }

  /** `extra`: the row's other fields by name, cleaned (see extra-values.ts). */
  add(row: number, values: FieldValues, raw: () => RawRow, extra?: Record<string, unknown>): void {
    const text = normaliseText(values.text);
    if (text.kind !== 'ok') {
      this.reject(row, text.kind === 'absent' ? 'the text is empty' : `the text ${text.problem}`, raw());
      return;
    }
    const ownId = this.keep(row, values, 'id', normaliseOptionalText(values.id));
    const category = this.keep(row, values, 'category', normaliseCategory(values.category));
    const sentiment = this.keep(row, values, 'sentiment', normaliseSentiment(values.sentiment));
    const relevanceScore = this.keep(row, values, 'relevanceScore', normaliseRelevance(values.relevanceScore));
    const relevanceJustification = this.keep(row, values, 'relevanceJustification', normaliseOptionalText(values.relevanceJustification));
    const url = this.keep(row, values, 'redditUrl', normaliseUrl(values.redditUrl));
    const subreddit = this.keep(row, values, 'subreddit', normaliseSubreddit(values.subreddit)) ?? (url && subredditFromUrl(url.url));
    const postTitle = this.keep(row, values, 'postTitle', normaliseOptionalText(values.postTitle));
    const insertedAt = this.keep(row, values, 'insertedAt', normaliseDate(values.insertedAt));

    // Fields in a fixed order, and absent ones not even as `undefined`, so quotes compare and serialise alike.
    const quote: Quote = { id: quoteId(text.value, url?.url, ownId), text: text.value };
    if (category !== undefined) quote.category = category;
    if (sentiment !== undefined) quote.sentiment = sentiment;
    if (relevanceScore !== undefined) quote.relevanceScore = relevanceScore;
    if (relevanceJustification !== undefined) quote.relevanceJustification = relevanceJustification;
    if (url !== undefined) quote.redditUrl = url.text;
    if (subreddit !== undefined) quote.subreddit = subreddit;
    if (postTitle !== undefined) quote.postTitle = postTitle;
    if (insertedAt !== undefined) quote.insertedAt = insertedAt;
    if (extra && Object.keys(extra).length > 0) quote.extra = extra;

    const firstRow = this.firstRowById.get(quote.id);
    if (firstRow !== undefined) {
      this.duplicates.push({ row, id: quote.id, firstRow });
      return;
    }
    this.firstRowById.set(quote.id, row);
    this.quotes.push({ row, quote });
  }

  /** The field's value when usable; a warning naming the row, field and value when not, or when changed. */
  private keep<T>(row: number, values: FieldValues, field: QuoteField, verdict: Normalised<T>): T | undefined {
    if (verdict.kind === 'absent') return undefined;
    if (verdict.kind === 'invalid') {
      this.warnRow(row, `${FIELD_LABELS[field]} ${describeValue(values[field])} ${verdict.problem}, so it was left out.`);
      return undefined;
    }
    if (verdict.changed) {
      this.warnRow(row, `${FIELD_LABELS[field]} ${describeValue(values[field])} ${verdict.changed}; written as ${describeValue(verdict.value)}.`);
    }
    return verdict.value;
  }

  /** What became of every row; an InputError when no row gave a quote (the input is unusable as a whole). */
  finish(format: InputFormat, name: string): ParsedQuotes {
    if (this.quotes.length === 0) {
      if (this.rejected.length === 0) throw new InputError(`${name} ${this.emptyMessage}.`);
      const reasons = listReasons(this.rejected.map((r) => r.reason));
      throw new InputError(
        `${name} has no valid quote: ${this.rejected.length === 1 ? 'its only row was' : `all ${this.rejected.length} rows were`} rejected (${reasons}).`,
      );
    }
    return {
      format,
      quotes: this.quotes,
      rejected: this.rejected,
      duplicates: this.duplicates,
      warnings: [...this.inputWarnings, ...this.rowWarnings],
      ignored: this.ignored,
    };
  }
}
