import type { RecordError } from '../errors';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses text that must hold a JSON object, failing the record with `Failure` and a reason naming
 * `what`. The parser's own message is never chained: it quotes the input, which may be audit data.
 */
export function parseJsonObject(
  text: string,
  what: string,
  Failure: new (message: string) => RecordError,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Failure(`${what} is not JSON`);
  }
  if (!isObject(parsed)) throw new Failure(`${what} is not a JSON object`);
  return parsed;
}
