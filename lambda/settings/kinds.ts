import { ConfigError } from '../core/shared/errors';

/**
 * The kinds of value a transformer setting takes, each with the three ways it is spelled: as the
 * function's environment variable (read in Lambda, written by the construct), and as a CDK context value
 * (`-c key=value`, or a list or number in cdk.json). The setting definitions (`./definitions.ts`) are built
 * from these, so that reading, writing and parsing one kind never disagree.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** A context value read, or why it cannot be. */
export type ContextReading<T> = { readonly value: T } | { readonly problem: string };

/** What a definition says about one setting, besides how its value is read and written. */
export interface SettingDoc {
  /** The function's environment variable: spelled here, and nowhere else in the product's code. */
  readonly env: string;
  /** The app's CDK context key, when the app exposes the setting. */
  readonly context?: string;
  /** Where the construct takes it from: a prop of `DasFirehosePipelineProps` (a dotted path into its groups). */
  readonly prop?: string;
  readonly description: string;
  /** An example value, as the variable's text. */
  readonly example: string;
  /** What an unset variable means, for the docs. */
  readonly defaultText: string;
}

/** One transformer setting: its names and documentation, and how its value is read, written and parsed. */
export interface Setting<T> extends SettingDoc {
  /** The value from the environment; throws ConfigError naming the variable, with an example. */
  read(env: Env): T;
  /** The value as the variable's text; undefined leaves the variable unset (its default). */
  write(value: T): string | undefined;
  /** The value from CDK context, when the setting has a context key. */
  fromContext?(raw: unknown): ContextReading<T>;
}

/** A setting's text in the environment, trimmed; undefined when unset or blank. */
export function rawSetting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** Context from `-c key=value` is a string; from cdk.json it may be a number, a boolean or a list. */
export function contextText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = Array.isArray(value) ? value.map(String).join(',') : String(value);
  const trimmed = text.trim();
  return trimmed.length > 0 ? trimmed : undefined;
}

/** A comma list's items, trimmed, in order, empty items left out. */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

type Doc = Omit<SettingDoc, 'defaultText'> & { readonly defaultText?: string };

/** Free text; unset is undefined. */
export function text(doc: Doc & { readonly check?: (value: string) => string | undefined }): Setting<string | undefined> {
  return {
    defaultText: 'unset',
    ...doc,
    read(env) {
      const value = rawSetting(env, doc.env);
      const problem = value === undefined ? undefined : doc.check?.(value);
      if (problem) throw new ConfigError(`${doc.env} ${problem}, e.g. ${doc.env}=${doc.example}; got "${value}"`);
      return value;
    },
    write: (value) => value,
    fromContext: (raw) => ({ value: contextText(raw) }),
  };
}

/** A comma list (`a,b,c`); unset is empty. Compared case-insensitively where the transformer uses it. */
export function list(doc: Doc): Setting<readonly string[]> {
  return {
    defaultText: 'none',
    ...doc,
    read: (env) => commaList(rawSetting(env, doc.env)),
    write: (values) => {
      const items = values.map((value) => value.trim()).filter((value) => value.length > 0);
      return items.length > 0 ? items.join(',') : undefined;
    },
    fromContext: (raw) => ({ value: commaList(contextText(raw)) }),
  };
}

/** A positive whole number up to `max`; unset is `fallback(env)`. */
export function positiveInt(
  doc: Doc & { readonly fallback: (env: Env) => number; readonly max?: number; readonly allowZero?: boolean },
): Setting<number> {
  const max = doc.max ?? Number.MAX_SAFE_INTEGER;
  const min = doc.allowZero ? 0 : 1;
  const what = `a ${doc.allowZero ? '' : 'positive '}whole number up to ${max}`;
  return {
    defaultText: String(doc.fallback({})),
    ...doc,
    read(env) {
      const raw = rawSetting(env, doc.env);
      if (raw === undefined) return doc.fallback(env);
      const value = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
        throw new ConfigError(`${doc.env} must be ${what}, e.g. ${doc.env}=${doc.example}; got "${raw}"`);
      }
      return value;
    },
    write: (value) => String(value),
    fromContext(raw) {
      const textValue = contextText(raw);
      const value = Number(textValue);
      if (textValue !== undefined && (!/^\d+$/.test(textValue) || !Number.isSafeInteger(value) || value < min)) {
        return { problem: `${doc.context} must be ${what}; got "${textValue}".` };
      }
      return { value: textValue === undefined ? doc.fallback({}) : value };
    },
  };
}

/** `on` or `off` in the environment, `true` or `false` in context; unset is `fallback`. */
export function onOff(doc: Doc & { readonly fallback: boolean; readonly meaning: string }): Setting<boolean> {
  return {
    defaultText: doc.fallback ? 'on' : 'off',
    ...doc,
    read(env) {
      const raw = rawSetting(env, doc.env);
      if (raw === undefined) return doc.fallback;
      const value = raw.toLowerCase();
      if (value === 'on' || value === 'off') return value === 'on';
      throw new ConfigError(`${doc.env} must be on or off (${doc.meaning}), e.g. ${doc.env}=${doc.example}; got "${raw}"`);
    },
    // The default is left unset, so that the function's environment shows only what differs.
    write: (value) => (value === doc.fallback ? undefined : value ? 'on' : 'off'),
    fromContext(raw) {
      const value = contextText(raw)?.toLowerCase();
      if (value === undefined) return { value: doc.fallback };
      if (value !== 'true' && value !== 'false') return { problem: `${doc.context} must be true or false; got "${value}".` };
      return { value: value === 'true' };
    },
  };
}

/** JSON text in the environment; a JSON string or an already-parsed value in context. */
export function json(doc: Doc & { readonly notJson: string }): Setting<unknown> {
  return {
    defaultText: 'none',
    ...doc,
    read(env) {
      const raw = rawSetting(env, doc.env);
      if (raw === undefined) return undefined;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw new ConfigError(`${doc.env} is not JSON: ${doc.notJson}, e.g. ${doc.env}='${doc.example}'`);
      }
    },
    write: (value) => (value === undefined ? undefined : JSON.stringify(value)),
    fromContext(raw) {
      if (typeof raw !== 'string') return { value: raw ?? undefined };
      if (raw.trim() === '') return { value: undefined };
      try {
        return { value: JSON.parse(raw) as unknown };
      } catch (error) {
        return { problem: `${doc.context} is not JSON (${(error as Error).message}): ${doc.notJson}, e.g. -c ${doc.context}='${doc.example}'.` };
      }
    },
  };
}
