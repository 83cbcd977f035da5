import { BACKSLASH, DOT, LOWER_B, LOWER_E, LOWER_F, LOWER_N, LOWER_R, LOWER_T, LOWER_U, MINUS, NINE, PLUS, QUOTE, SLASH, UPPER_E, ZERO, digits, isHex } from './json-chars';

/** Scanning of JSON's numbers and string escapes, for the strict reader: positions in, positions out. */

/** What `escapeEnd` gives for a `\\u` escape without four hex digits. */
export const UNICODE_ESCAPE = -2;

/**
 * Where the number starting at `from` ends (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`), or -1
 * when it is malformed.
 */
export function numberEnd(text: string, from: number): number {
  let at = from;
  if (text.charCodeAt(at) === MINUS) at++;
  const first = text.charCodeAt(at);
  if (first === ZERO) {
    at++;
  } else if (first > ZERO && first <= NINE) {
    at = digits(text, at);
  } else {
    return -1;
  }
  if (text.charCodeAt(at) === DOT) {
    const after = digits(text, at + 1);
    if (after === at + 1) return -1;
    at = after;
  }
  const exponent = text.charCodeAt(at);
  if (exponent === LOWER_E || exponent === UPPER_E) {
    at++;
    const sign = text.charCodeAt(at);
    if (sign === PLUS || sign === MINUS) at++;
    const after = digits(text, at);
    if (after === at) return -1;
    at = after;
  }
  return at;
}

/** Where the escape at `at` (a backslash) ends, or -1 for an unknown escape, UNICODE_ESCAPE for a bad `\\u`. */
export function escapeEnd(text: string, at: number): number {
  const code = text.charCodeAt(at + 1);
  if (
    code === QUOTE ||
    code === BACKSLASH ||
    code === SLASH ||
    code === LOWER_B ||
    code === LOWER_F ||
    code === LOWER_N ||
    code === LOWER_R ||
    code === LOWER_T
  ) {
    return at + 2;
  }
  if (code === LOWER_U) {
    for (let index = at + 2; index < at + 6; index++) {
      if (!isHex(text.charCodeAt(index))) return UNICODE_ESCAPE;
    }
    return at + 6;
  }
  return -1;
}
