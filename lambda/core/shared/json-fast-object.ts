
/**
 * The fast way through one JSON object of a strict-reader text (an activity event): find where it ends
 * with `indexOf` over its strings, let `JSON.parse` validate and convert it, and check the two rules the
 * strict reader adds to JSON from what the scan counted:
 * - depth: the scan tracks brackets outside strings, so it knows the deepest level;
 * - repeated names: every `:` outside a string introduces one member, and `JSON.parse` keeps one
 *   property per distinct name (the last), so the object and everything in it repeat no name exactly
 *   when the parsed tree has as many properties as the text has colons.
 *
 * It only ever accepts: anything it is not sure of (a parse error, too deep, a repeated name, a text it
 * cannot scan) makes it give up, and the caller reads the object with the strict reader, which then
 * accepts it the same way or refuses it with its own reason and position. So a refusal reads exactly as
 * before, and what this accepts the strict reader accepts too, with the same text and values.
 */

// The characters of the scan as module constants of their own (values as in json-chars.ts): run from
// TypeScript by tsx, as the benchmark and local commands run the core, an imported constant is a getter
// call, which in this loop cost several times the scan.
const QUOTE = 34;
const COLON = 58;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const LF = 10;
const CR = 13;

/** An object read the fast way. */
export interface FastObject {
  /** Position just past the closing brace. */
  readonly end: number;
  /** The object as `JSON.parse` gives it. */
  readonly value: Record<string, unknown>;
  /** Whether a raw CR or LF sat between its tokens (see compactJson). */
  readonly sawLineBreak: boolean;
}

/**
 * Scans and parses the object at `start` (an opening brace) of `text`, whose own level is `depth`; at most
 * `maxDepth` levels in all. Undefined when the caller must read it with the strict reader. `escapes` caches
 * the next backslash of `text` across calls (see {@link EscapeCursor}).
 */
export function fastObject(text: string, start: number, depth: number, maxDepth: number, escapes: EscapeCursor): FastObject | undefined {
  const deepest = maxDepth - depth + 1;
  let level = 0;
  let colons = 0;
  let objects = 0;
  let sawLineBreak = false;
  let at = start;
  const length = text.length;
  while (at < length) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      at = escapes.stringEnd(text, at);
      if (at < 0) return undefined;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++level > deepest) return undefined;
      if (code === OPEN_BRACE) objects++;
      at++;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      at++;
      if (--level === 0) break;
    } else {
      if (code === COLON) colons++;
      else if (code === LF || code === CR) sawLineBreak = true;
      at++;
    }
  }
  if (level !== 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, at));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  // Most events hold no object but themselves: then their own names are all there is to count.
  if ((objects === 1 ? Object.keys(value).length : properties(value)) !== colons) return undefined;
  return { end: at, value: value as Record<string, unknown>, sawLineBreak };
}

/**
 * Properties of every object in a parsed value. Recursion is bounded: the scan refused anything deeper
 * than the strict reader's limit before `JSON.parse` ran.
 */
function properties(value: object): number {
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      if (typeof item === 'object' && item !== null) count += properties(item);
    }
    return count;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  count += keys.length;
  for (const key of keys) {
    const item = record[key];
    if (typeof item === 'object' && item !== null) count += properties(item);
  }
  return count;
}

/**
 * Finds string ends in one text, remembering where its next backslash is: most texts hold few or none,
 * so a string's end is one `indexOf` for the quote, and the backslash search runs once per backslash,
 * not once per string.
 */
export class EscapeCursor {
  private next = -2;

  /**
   * Position past the string opened at `at`, or -1 when it is not terminated. Only the quoting is
   * followed here (a backslash makes the next character part of the string); what an escape or a
   * character means is `JSON.parse`'s to check.
   */
  stringEnd(text: string, at: number): number {
    let close = text.indexOf('"', at + 1);
    if (close < 0) return -1;
    let slash = this.next;
    if (slash !== -1 && slash <= at) slash = text.indexOf('\\', at + 1);
    while (slash !== -1 && slash < close) {
      if (slash + 1 === close) {
        close = text.indexOf('"', close + 1);
        if (close < 0) {
          this.next = slash;
          return -1;
        }
      }
      slash = text.indexOf('\\', slash + 2);
    }
    this.next = slash;
    return close + 1;
  }
}
