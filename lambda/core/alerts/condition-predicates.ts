/**
 * The vocabulary's conditions evaluated on one event, as the alert rules test every kept event: each
 * condition is turned once into a function that allocates nothing per event (no callbacks, no
 * upper-cased copy of a value already seen), so matching costs lookups, not copies. The same
 * conditions rendered as SQL are the named queries' (statementPattern), so both always agree.
 */
import {
  engineOf,
  normalized,
  statementPattern,
  type ActivityKind,
  type Condition,
  type VocabularyField,
} from './activity-vocabulary';
import { detached } from '../shared/detached';

/**
 * What a condition reads off an event: a field's value as text (numbers as written, containers as JSON),
 * or null. `eventText`, when given, is the event's JSON text: a statement test first looks for its
 * keywords there, so an event that cannot match is never read field by field.
 */
export type FieldReader = ((field: VocabularyField) => string | null) & { readonly eventText?: string };

/** Whether the event `read` describes matches the condition (compared upper-case, trimmed). */
export function matches(condition: Condition, read: FieldReader): boolean {
  return predicateOf(condition)(read);
}

type Predicate = (read: FieldReader) => boolean;

const predicates = new WeakMap<Condition, Predicate>();

function predicateOf(condition: Condition): Predicate {
  let predicate = predicates.get(condition);
  if (!predicate) predicates.set(condition, (predicate = compile(condition)));
  return predicate;
}

function compile(condition: Condition): Predicate {
  if ('all' in condition) {
    const parts = condition.all.map(predicateOf);
    return (read) => {
      for (const part of parts) if (!part(read)) return false;
      return true;
    };
  }
  if ('any' in condition) {
    const parts = condition.any.map(predicateOf);
    return (read) => {
      for (const part of parts) if (part(read)) return true;
      return false;
    };
  }
  if ('statement' in condition) {
    // Case-insensitive on the text as written: no upper-cased copy of every statement's SQL.
    const keywords = keywordRegExp(condition.statement);
    const statement = statementRegExp(condition.statement);
    return (read) => {
      // A JSON text may spell letters as \u escapes: then only the field itself can tell.
      const text = read.eventText;
      if (text !== undefined && !text.includes('\\u') && !keywords.test(text)) return false;
      return statement.test(read('commandText') ?? '');
    };
  }
  if ('failed' in condition) {
    const field = condition.failed;
    return (read) => !blankOrZero(read(field));
  }
  if ('succeeded' in condition) {
    const field = condition.succeeded;
    return (read) => blankOrZero(read(field));
  }
  if ('present' in condition) {
    const field = condition.present;
    return (read) => !blank(read(field));
  }
  if ('absent' in condition) {
    const field = condition.absent;
    return (read) => blank(read(field));
  }
  const field = condition.field;
  if ('in' in condition) {
    const words = new Set(condition.in.map((word) => word.toUpperCase()));
    return (read) => words.has(normalizedValue(read(field)));
  }
  const prefixes = condition.startsWith.map((word) => word.toUpperCase());
  return (read) => {
    const value = normalizedValue(read(field));
    for (const prefix of prefixes) if (value.startsWith(prefix)) return true;
    return false;
  };
}

const SPACE = 32;

/** Whether the value is null or only spaces: `normalized(value) === ''` without the copy. */
function blank(value: string | null): boolean {
  if (value === null) return true;
  for (let at = 0; at < value.length; at++) if (value.charCodeAt(at) !== SPACE) return false;
  return true;
}

/** Whether `normalized(value)` is `''` or `'0'` (a success code), without the copy. */
function blankOrZero(value: string | null): boolean {
  if (blank(value)) return true;
  const text = value as string;
  let start = 0;
  while (text.charCodeAt(start) === SPACE) start++;
  let end = text.length;
  while (text.charCodeAt(end - 1) === SPACE) end--;
  return end - start === 1 && text.charCodeAt(start) === 48; // '0'
}

// A database says the same few commands, classes and users over and over: their normalized text is
// remembered (short values only, a bounded number), so testing one costs a lookup.
const NORMALIZED_CACHE_SIZE = 512;
const NORMALIZED_CACHE_MAX_CHARS = 64;
const normalizedValues = new Map<string, string>();

function normalizedValue(value: string | null): string {
  if (value === null) return '';
  if (value.length > NORMALIZED_CACHE_MAX_CHARS) return normalized(value);
  let known = normalizedValues.get(value);
  if (known === undefined) {
    known = detached(normalized(value));
    if (normalizedValues.size >= NORMALIZED_CACHE_SIZE) normalizedValues.clear();
    // Kept across invocations: a copy, never a view of a record's text (see detached.ts).
    normalizedValues.set(detached(value), known);
  }
  return known;
}

/** Whether an event of `serverType` matches the kind: its engine's condition, if the engine has one. */
export function isKind(kind: ActivityKind, serverType: string | null, read: FieldReader): boolean {
  const engine = engineOf(serverType);
  const condition = engine ? kind[engine] : undefined;
  return condition !== undefined && matches(condition, read);
}

const keywordRegExps = new WeakMap<readonly string[], RegExp>();

/**
 * One of the statements anywhere in an event's JSON text: what must be there for the statement test to
 * hold. Whole statements, not only their first words: `SET PASSWORD` is not looked for in every `UPDATE …
 * SET …`, which would send each such event to a second pass over its text. Between two words the SQL
 * has white space (`\s+`), which JSON text writes as itself or, for control characters, as `\t`, `\n`,
 * `\r` or `\f` (or a `\u` escape, for which the caller skips this test).
 */
function keywordRegExp(statements: readonly string[]): RegExp {
  let regExp = keywordRegExps.get(statements);
  if (!regExp) {
    const phrases = [...new Set(statements.map((statement) => statement.trim().split(/\s+/).map(escapeRegExp).join('(?:\\s|\\\\[tnrf])+')))];
    // No word boundaries: in JSON text a line break before the keyword is written `\\n`, a word character.
    keywordRegExps.set(statements, (regExp = new RegExp(`(${phrases.join('|')})`, 'i')));
  }
  return regExp;
}

function escapeRegExp(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const statementRegExps = new Map<string, RegExp>();

function statementRegExp(statements: readonly string[]): RegExp {
  const pattern = statementPattern(statements);
  let regExp = statementRegExps.get(pattern);
  if (!regExp) statementRegExps.set(pattern, (regExp = new RegExp(pattern, 'i')));
  return regExp;
}

