/** How messages about the input show the names of its columns and keys. */
import { cutToLength } from '../fields.js';

/** How many names a list of columns or keys in a message shows. */
const NAMES_IN_MESSAGE = 20;
/** Names longer than this are cut in messages: a broken header can be a whole line of text. */
const NAME_CHARS = 40;

/** A column or key name as a message shows it: cut short if it is long. */
export function describeName(name: string): string {
  const cut = cutToLength(name, NAME_CHARS);
  return cut.length < name.length ? `${cut}…` : cut;
}

/** `a, b, c`, and past 20 names `… and 3 more`. */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_IN_MESSAGE).join(', ');
  return names.length > NAMES_IN_MESSAGE ? `${shown} and ${names.length - NAMES_IN_MESSAGE} more` : shown;
}
