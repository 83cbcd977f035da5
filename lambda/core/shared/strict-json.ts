/**
 * A strict, bounded JSON reader for text that comes from outside: the DAS envelope and the decrypted
 * activity payload.
 *
 * It accepts exactly RFC 8259 JSON, like `JSON.parse`, and refuses in addition what `JSON.parse` would
 * read in a way nobody can vouch for:
 * - a name repeated within one object (`JSON.parse` silently keeps the last value, so a record could say
 *   two things and be stored as one of them);
 * - nesting deeper than {@link MAX_JSON_DEPTH} (nothing RDS writes is deeper than 5 levels; deep nesting
 *   is how a small record makes a recursive serializer or reader overflow its stack).
 *
 * It never recurses, never builds the whole value tree and never quotes the text in its errors, so a
 * hostile record costs time proportional to its length and fails with a reason that is safe to log.
 */

import { escapeEnd, numberEnd, UNICODE_ESCAPE } from './json-scan';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, CR, LF, LOWER_F, LOWER_N, LOWER_T, MINUS, NINE, OPEN_BRACE, OPEN_BRACKET, QUOTE, SPACE, TAB, ZERO } from './json-chars';
import { JsonRefusedError, JsonText, MAX_JSON_DEPTH, type FieldValue, type RefusalKind } from './json-values';

export { compactJson } from './json-chars';
export { JsonRefusedError, JsonText, MAX_JSON_DEPTH, type FieldValue, type RefusalKind } from './json-values';

/** A run of string characters that are neither a quote, a backslash nor a control character (sticky). */
// eslint-disable-next-line no-control-regex -- JSON's rule itself: control characters end a plain run.
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

/**
 * A cursor over one JSON text. Callers walk the levels they care about with {@link beginObject} /
 * {@link nextName}, {@link beginArray} / {@link nextElement}, read what they need with {@link value}
 * and pass over the rest with {@link skip}, which validates it all the same.
 */
export class StrictJsonReader {
  /** Position of the next unread character. */
  at = 0;
  /** Set when whitespace skipped since the last reset held a line break (see {@link resetLineBreaks}). */
  sawLineBreak = false;
  private readonly names: Set<string>[] = [];
  private readonly kinds: number[] = [];

  constructor(
    readonly text: string,
    private readonly maxDepth: number = MAX_JSON_DEPTH,
  ) {}

  resetLineBreaks(): void {
    this.sawLineBreak = false;
  }

  /** Fails unless only whitespace is left. */
  end(): void {
    this.ws();
    if (this.at !== this.text.length) throw this.refuse('text continues after the JSON value');
  }

  /** The code of the next non-whitespace character, or -1 at the end. */
  peek(): number {
    this.ws();
    return this.at < this.text.length ? this.text.charCodeAt(this.at) : -1;
  }

  /** Opens an object at `depth` (1 for the root). */
  beginObject(depth: number): void {
    if (this.peek() !== OPEN_BRACE) throw this.refuse('expected an object');
    this.open(depth, OPEN_BRACE);
  }

  /**
   * The next member's name (decoded), positioned at its value; or undefined, past the closing brace,
   * when the object ends. Refuses a name the object already had.
   */
  nextName(depth: number, first: boolean): string | undefined {
    this.ws();
    const code = this.text.charCodeAt(this.at);
    if (code === CLOSE_BRACE) {
      this.at++;
      return undefined;
    }
    if (!first) {
      if (code !== COMMA) throw this.refuse('expected , or } in an object');
      this.at++;
      this.ws();
    }
    return this.memberName(depth);
  }

  /** Opens an array at `depth`. */
  beginArray(depth: number): void {
    if (this.peek() !== OPEN_BRACKET) throw this.refuse('expected an array');
    this.open(depth, OPEN_BRACKET);
  }

  /** Whether another element follows (positioned at it), or false past the closing bracket. */
  nextElement(first: boolean): boolean {
    this.ws();
    const code = this.text.charCodeAt(this.at);
    if (code === CLOSE_BRACKET) {
      this.at++;
      return false;
    }
    if (!first) {
      if (code !== COMMA) throw this.refuse('expected , or ] in an array');
      this.at++;
      this.ws();
    }
    return true;
  }

  /** Reads the value here, which sits at `depth`: strings decoded, numbers and literals converted, containers as {@link JsonText}. */
  value(depth: number): FieldValue {
    const code = this.peek();
    if (code === QUOTE) return this.string();
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      const start = this.at;
      this.skip(depth);
      return new JsonText(this.text.slice(start, this.at));
    }
    const start = this.at;
    this.skipScalar(code);
    const raw = this.text.slice(start, this.at);
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    if (raw === 'null') return null;
    return Number(raw);
  }

  /** Validates and passes over the value here, which sits at `depth`, without keeping it. */
  skip(depth: number): void {
    let code = this.peek();
    if (code !== OPEN_BRACE && code !== OPEN_BRACKET) {
      this.skipScalar(code);
      return;
    }
    // Containers are walked with an explicit stack (this.kinds), never by recursion.
    let level = depth - 1;
    const base = level;
    for (;;) {
      // At the start of a value.
      code = this.text.charCodeAt(this.at);
      let closedAtOnce = false;
      if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        level++;
        this.open(level, code);
        this.ws();
        const next = this.text.charCodeAt(this.at);
        if (code === OPEN_BRACE) {
          if (next === CLOSE_BRACE) {
            this.at++;
            closedAtOnce = true;
          } else {
            this.memberName(level);
            this.ws();
            continue;
          }
        } else if (next === CLOSE_BRACKET) {
          this.at++;
          closedAtOnce = true;
        } else {
          continue;
        }
      } else {
        this.skipScalar(code);
      }
      if (closedAtOnce) level--;
      // After a value: close containers until one continues with another value.
      for (;;) {
        if (level === base) return;
        this.ws();
        const next = this.text.charCodeAt(this.at);
        const kind = this.kinds[level];
        if (next === COMMA) {
          this.at++;
          this.ws();
          if (kind === OPEN_BRACE) {
            this.memberName(level);
            this.ws();
          }
          break;
        }
        if (next === (kind === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) {
          this.at++;
          level--;
          continue;
        }
        throw this.refuse(kind === OPEN_BRACE ? 'expected , or } in an object' : 'expected , or ] in an array');
      }
    }
  }

  /** Reads the string here and returns it decoded. */
  string(): string {
    const text = this.text;
    const start = this.at;
    let at = start + 1;
    let escaped = false;
    for (;;) {
      // Characters that need no look of their own are passed over by the regular expression engine, not
      // one charCodeAt at a time: an envelope's base64 is a string of a megabyte.
      PLAIN_RUN.lastIndex = at;
      PLAIN_RUN.test(text);
      at = PLAIN_RUN.lastIndex;
      if (at >= text.length) throw this.refuse('unterminated string', start);
      const code = text.charCodeAt(at);
      if (code === QUOTE) break;
      if (code === BACKSLASH) {
        escaped = true;
        at = this.escape(at);
        continue;
      }
      if (code < SPACE) throw this.refuse('control character in a string', at);
      at++;
    }
    this.at = at + 1;
    // Validated above, so JSON.parse of the quoted slice cannot fail and decodes escapes exactly as JSON does.
    return escaped ? (JSON.parse(text.slice(start, at + 1)) as string) : text.slice(start + 1, at);
  }

  /** A refusal that says where, never what. */
  refuse(rule: string, at: number = this.at, kind: RefusalKind = 'syntax'): JsonRefusedError {
    return new JsonRefusedError(rule, at, kind);
  }

  private open(depth: number, kind: number): void {
    if (depth > this.maxDepth) throw this.refuse(`nested deeper than ${this.maxDepth} levels`, this.at, 'too-deep');
    this.at++;
    this.kinds[depth] = kind;
    if (kind === OPEN_BRACE) {
      const names = this.names[depth];
      if (names) names.clear();
      else this.names[depth] = new Set();
    }
  }

  /** Reads `"name" :` and records the name for its object at `depth`. */
  private memberName(depth: number): string {
    if (this.text.charCodeAt(this.at) !== QUOTE) throw this.refuse('expected a member name');
    const start = this.at;
    const name = this.string();
    const names = this.names[depth] as Set<string>;
    if (names.has(name)) throw this.refuse('a name repeated in one object', start, 'repeated-name');
    names.add(name);
    this.ws();
    if (this.text.charCodeAt(this.at) !== COLON) throw this.refuse('expected : after a member name');
    this.at++;
    this.ws();
    return name;
  }

  private skipScalar(code: number): void {
    if (code === QUOTE) {
      this.string();
    } else if (code === MINUS || (code >= ZERO && code <= NINE)) {
      this.number();
    } else if (code === LOWER_T) {
      this.literal('true');
    } else if (code === LOWER_F) {
      this.literal('false');
    } else if (code === LOWER_N) {
      this.literal('null');
    } else {
      throw this.refuse(code < 0 ? 'unexpected end of text' : 'expected a value');
    }
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.at)) throw this.refuse('expected a value');
    this.at += word.length;
  }

  /** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` */
  private number(): void {
    const end = numberEnd(this.text, this.at);
    if (end < 0) throw this.refuse('malformed number', this.at);
    this.at = end;
  }

  /** Validates the escape at `at` (a backslash) and returns the position after it. */
  private escape(at: number): number {
    const end = escapeEnd(this.text, at);
    if (end < 0) throw this.refuse(end === UNICODE_ESCAPE ? 'malformed \\u escape' : 'malformed escape', at);
    return end;
  }

  private ws(): void {
    const text = this.text;
    let at = this.at;
    for (;;) {
      const code = text.charCodeAt(at);
      if (code === SPACE || code === TAB) {
        at++;
      } else if (code === LF || code === CR) {
        this.sawLineBreak = true;
        at++;
      } else {
        break;
      }
    }
    this.at = at;
  }
}

