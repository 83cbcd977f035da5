import { contextText } from '../lambda/settings/kinds';
import type { AlertEventBusSetting } from './context-settings';

/** Parsers of the stack's own context values: lists, thresholds, the alert bus, and mistyped keys. */

const EVENT_BUS_NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):\d{12}:event-bus\/([A-Za-z0-9._\-/]{1,256})$/;
const THRESHOLD_PAIR = /^([a-z0-9][a-z0-9-]*)\s*=\s*(\d+)$/;
/** A context key of the kind this app reads (CDK's own carry `:`, `@`, `/` or `-`). */
const APP_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;

/** App-like keys of the context that the app does not read, each with the key it probably meant. */
export function unknownKeys(context: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(context)
    .filter((key) => APP_KEY.test(key) && !known.includes(key))
    .map((key) => {
      const meant = closest(key, known);
      return meant
        ? `Unknown context key "${key}": did you mean ${meant}? (-c ${meant}=…)`
        : `Unknown context key "${key}": this app reads ${known.join(', ')}.`;
    });
}

/** The known key `key` most probably mistypes: the same but for case, or at most two edits away. */
function closest(key: string, known: readonly string[]): string | undefined {
  const sameButCase = known.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  if (sameButCase) return sameButCase;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * `alertThresholds`: `rule=count` pairs (`failed-login=10,destructive-ddl=1`), or an object of them in
 * cdk.json. Whether the rules exist is the construct's to say.
 */
export function thresholdsSetting(value: unknown, problems: string[]): Record<string, number> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    const bad = entries.filter(([, count]) => typeof count !== 'number');
    if (bad.length > 0) problems.push(`alertThresholds must give each rule a whole number; got ${bad.map(([rule, count]) => `${rule}=${JSON.stringify(count)}`).join(', ')}.`);
    return Object.fromEntries(entries.filter(([, count]) => typeof count === 'number')) as Record<string, number>;
  }
  const pairs = list(contextText(value));
  if (pairs.length === 0) return undefined;
  const thresholds: Record<string, number> = {};
  for (const pair of pairs) {
    const match = THRESHOLD_PAIR.exec(pair);
    if (!match) {
      problems.push(`alertThresholds "${pair}" is not rule=count (a rule id and a whole number of matches in 5 minutes, 0 for no alarm), e.g. -c alertThresholds=failed-login=10,destructive-ddl=1.`);
    } else if (Object.hasOwn(thresholds, match[1] as string)) {
      problems.push(`alertThresholds gives ${match[1]} twice.`);
    } else {
      thresholds[match[1] as string] = Number(match[2]);
    }
  }
  return thresholds;
}

/** `alertEventBus`: default, create, a bus name, or a bus ARN in the stream's region. */
export function eventBusSetting(value: string | undefined, region: string | undefined, problems: string[]): AlertEventBusSetting | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return { kind: 'default' };
  if (value === 'create') return { kind: 'create' };
  const arn = EVENT_BUS_ARN.exec(value);
  if (arn) {
    if (region !== undefined && arn[1] !== region) {
      problems.push(`alertEventBus "${value}" is in ${arn[1]}, but the stack deploys in ${region}: the function puts events on a bus of its own region.`);
    }
    return { kind: 'arn', arn: value };
  }
  if (value.startsWith('arn:') || !EVENT_BUS_NAME.test(value)) {
    problems.push(`alertEventBus must be default, create, an event bus name or an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>); got "${value}".`);
    return undefined;
  }
  return { kind: 'name', name: value };
}

export function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
