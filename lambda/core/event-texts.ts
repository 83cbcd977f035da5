const LIST_KEY = '"databaseActivityEventList"';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The source text of each event in the activity JSON's `databaseActivityEventList`, exactly as RDS
 * wrote it, so stored lines keep every value byte for byte: integers beyond 2^53, `1.50`, `\u00e9`
 * escapes and key order survive, where a parse-and-stringify round trip would rewrite them.
 *
 * The list is found structurally, as the top-level key JSON.parse reads, never by searching the text.
 * Returns undefined unless that yields exactly `expectedCount` single-line objects from a key that
 * occurs once: the caller then re-serializes the parsed events, so an odd layout costs fidelity, never data.
 */
export function eventTexts(json: string, expectedCount: number): string[] | undefined {
  let texts: string[] | undefined;
  let depth = 0;
  for (let at = 0; at < json.length; at++) {
    const char = json.charCodeAt(at);
    if (char === QUOTE) {
      const close = closingQuote(json, at);
      if (close < 0) return undefined;
      const colon = depth === 1 ? afterWhitespace(json, close + 1) : -1;
      if (colon >= 0 && json.charCodeAt(colon) === COLON && json.startsWith(LIST_KEY, at) && close === at + LIST_KEY.length - 1) {
        if (texts) return undefined; // a repeated key: JSON.parse kept the last one, so do not guess
        const open = afterWhitespace(json, colon + 1);
        if (json.charCodeAt(open) !== OPEN_BRACKET) return undefined;
        const list = listItems(json, open, expectedCount);
        if (!list) return undefined;
        texts = list.texts;
        at = list.end;
      } else {
        at = close;
      }
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      depth++;
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      depth--;
    }
  }
  return texts?.length === expectedCount ? texts : undefined;
}

/** The objects of the array opening at `open`, and the index of its closing bracket. */
function listItems(json: string, open: number, expectedCount: number): { texts: string[]; end: number } | undefined {
  const texts: string[] = [];
  let depth = 0;
  let start = -1;
  for (let at = open + 1; at < json.length; at++) {
    const char = json.charCodeAt(at);
    if (char === QUOTE) {
      at = closingQuote(json, at);
      if (at < 0) return undefined;
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (depth++ === 0) start = at;
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      if (depth === 0) return { texts, end: at }; // the list's own closing bracket
      if (--depth === 0) {
        if (json.charCodeAt(start) !== OPEN_BRACE || texts.length === expectedCount) return undefined;
        const text = json.slice(start, at + 1);
        // JSON strings cannot hold a raw line break, so one here is layout and would split the NDJSON line.
        if (text.includes('\n') || text.includes('\r')) return undefined;
        texts.push(text);
      }
    }
  }
  return undefined;
}

function afterWhitespace(json: string, from: number): number {
  let at = from;
  while (at < json.length && (json[at] === ' ' || json[at] === '\n' || json[at] === '\r' || json[at] === '\t')) at++;
  return at;
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
