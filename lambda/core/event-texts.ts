const LIST_KEY = '"databaseActivityEventList"';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The source text of each event in the activity JSON's `databaseActivityEventList`, exactly as RDS
 * wrote it, so stored lines keep every value byte for byte: integers beyond 2^53, `1.50`, `\u00e9`
 * escapes and key order survive, where a parse-and-stringify round trip would rewrite them.
 *
 * Returns undefined unless the scan finds exactly `expectedCount` single-line objects: the caller
 * then falls back to re-serializing the parsed events, so an odd layout costs fidelity, never data.
 */
export function eventTexts(json: string, expectedCount: number): string[] | undefined {
  let index = json.indexOf(LIST_KEY);
  if (index < 0) return undefined;
  index = json.indexOf('[', index + LIST_KEY.length);
  if (index < 0) return undefined;
  const texts: string[] = [];
  let depth = 0;
  let start = -1;
  for (let at = index + 1; at < json.length; at++) {
    const char = json.charCodeAt(at);
    if (char === QUOTE) {
      at = closingQuote(json, at);
      if (at < 0) return undefined;
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (depth++ === 0) start = at;
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      if (depth === 0) break; // the list's own closing bracket
      if (--depth === 0) {
        if (json.charCodeAt(start) !== OPEN_BRACE || texts.length === expectedCount) return undefined;
        const text = json.slice(start, at + 1);
        // JSON strings cannot hold a raw line break, so one here is layout and would split the NDJSON line.
        if (text.includes('\n') || text.includes('\r')) return undefined;
        texts.push(text);
      }
    }
  }
  return texts.length === expectedCount ? texts : undefined;
}

/** Index of the quote that closes the string opening at `open`, or -1. */
function closingQuote(json: string, open: number): number {
  let at = open + 1;
  for (;;) {
    at = json.indexOf('"', at);
    if (at < 0) return -1;
    let backslashes = 0;
    for (let before = at - 1; json.charCodeAt(before) === BACKSLASH; before--) backslashes++;
    if (backslashes % 2 === 0) return at;
    at++;
  }
}
