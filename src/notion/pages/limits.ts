/**
 * Notion's request limits (developers.notion.com, "Request limits": size limits and limits for
 * property values). Checked before sending, so an oversized quote gets a clear reason instead of
 * a 400 retried in a loop.
 */

/** `text.content` of one rich text item (and `text.link.url`). */
export const RICH_TEXT_CONTENT_MAX_CHARS = 2000;
/** Elements in any array, e.g. the rich text items of one title or rich_text property. */
export const ARRAY_MAX_ITEMS = 100;
/** A url property value. */
export const URL_MAX_CHARS = 2000;
/** Whole request body: "500KB". Read as 500,000 bytes, the smaller of the two readings. */
export const REQUEST_BODY_MAX_BYTES = 500_000;
/** Select option names: at most 100 characters, and no commas. */
export const SELECT_NAME_MAX_CHARS = 100;
/** The most text one title or rich_text property can hold. */
export const PROPERTY_TEXT_MAX_CHARS = RICH_TEXT_CONTENT_MAX_CHARS * ARRAY_MAX_ITEMS;
