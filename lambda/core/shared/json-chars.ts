/** The characters of JSON's grammar the strict reader works with, by code unit, and text helpers on them. */

export const TAB = 9;
export const LF = 10;
export const CR = 13;
export const SPACE = 32;
export const QUOTE = 34;
export const PLUS = 43;
export const COMMA = 44;
export const MINUS = 45;
export const DOT = 46;
export const SLASH = 47;
export const ZERO = 48;
export const NINE = 57;
export const COLON = 58;
export const UPPER_E = 69;
export const OPEN_BRACKET = 91;
export const BACKSLASH = 92;
export const CLOSE_BRACKET = 93;
export const LOWER_B = 98;
export const LOWER_E = 101;
export const LOWER_F = 102;
export const LOWER_N = 110;
export const LOWER_R = 114;
export const LOWER_T = 116;
export const LOWER_U = 117;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;

export function digits(text: string, from: number): number {
  let at = from;
  // Past the end charCodeAt gives NaN, which fails both comparisons: test for a digit, not for a non-digit.
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (!(code >= ZERO && code <= NINE)) break;
    at++;
  }
  return at;
}

export function isHex(code: number): boolean {
  return (code >= ZERO && code <= NINE) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/**
 * `json` (one valid JSON value) without its raw line breaks, which would split an NDJSON line. Valid JSON
 * holds raw CR and LF only between tokens (inside strings they must be escaped), and no two tokens need
 * them to stay apart, so removing them leaves the same value.
 *
 * Done on the UTF-8 bytes, in place, in one pass: a CR or LF byte never occurs inside a multi-byte
 * character. A string replace over a record of millions of line breaks builds millions of pieces (and,
 * measured, made V8 abort); this holds the text twice at most.
 */
export function compactJson(json: string): string {
  const bytes = Buffer.from(json, 'utf8');
  let to = 0;
  for (let from = 0; from < bytes.length; from++) {
    const byte = bytes[from] as number;
    if (byte !== LF && byte !== CR) bytes[to++] = byte;
  }
  return bytes.toString('utf8', 0, to);
}
