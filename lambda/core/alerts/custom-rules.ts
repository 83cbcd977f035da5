import { ENGINES, type ActivityKind, type Condition, type EngineName } from './activity-vocabulary';
import { BUILT_IN_RULE_IDS, SEVERITIES, type AlertRule, type Severity } from './alert-rules';

/** Operators' own alert rules, read from JSON: every problem reported, with where it is. */

const RULE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const ENGINE_NAMES = Object.keys(ENGINES) as EngineName[];
const MAX_WORDS = 200;

/**
 * Reads operators' rules from JSON (the stack's setting, and the function's custom rules setting):
 *
 *     [{ "id": "audit-schema-touched", "severity": "HIGH",
 *        "description": "Someone touched the audit schema",
 *        "engines": ["postgresql", "mysql"],                    (optional: every engine)
 *        "when": { "field": "objectName", "startsWith": ["audit."] } }]
 *
 * `when` is a condition (as in the activity vocabulary: `in`, `startsWith`, `statement`, `failed`,
 * `succeeded`, `present`, `absent`, `all`, `any`), or an object of one condition per engine
 * (`{ "postgresql": …, "oracle": … }`). Every problem is reported, with where it is.
 */
export function parseCustomRules(value: unknown, where: string): { rules: AlertRule[]; problems: string[] } {
  const problems: string[] = [];
  if (!Array.isArray(value)) return { rules: [], problems: [`${where} must be a JSON array of rules, e.g. ${RULE_EXAMPLE}`] };
  const rules: AlertRule[] = [];
  const ids = new Set<string>(BUILT_IN_RULE_IDS);
  value.forEach((item, index) => {
    const at = `${where}[${index}]`;
    if (!isObject(item)) {
      problems.push(`${at} must be an object, e.g. ${RULE_EXAMPLE}`);
      return;
    }
    const { id, description, severity, engines, when, ...rest } = item;
    for (const key of Object.keys(rest)) problems.push(`${at} has an unknown key "${key}" (rules have id, description, severity, engines, when)`);
    if (typeof id !== 'string' || !RULE_ID.test(id)) problems.push(`${at}.id must be lower case letters, digits and -, e.g. "audit-schema-touched"; got ${JSON.stringify(id)}`);
    else if (ids.has(id)) problems.push(`${at}.id "${id}" is taken ${BUILT_IN_RULE_IDS.includes(id) ? 'by a built-in rule' : 'by another rule'}`);
    else ids.add(id);
    if (typeof description !== 'string' || description.trim() === '' || description.length > 256) {
      problems.push(`${at}.description must be text of 1 to 256 characters`);
    }
    if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity.toUpperCase())) {
      problems.push(`${at}.severity must be one of ${SEVERITIES.join(', ')}; got ${JSON.stringify(severity)}`);
    }
    let engineList: EngineName[] = ENGINE_NAMES;
    if (engines !== undefined) {
      if (!Array.isArray(engines) || engines.length === 0 || !engines.every((engine) => typeof engine === 'string' && ENGINE_NAMES.includes(engine as EngineName))) {
        problems.push(`${at}.engines must be a list of ${ENGINE_NAMES.join(', ')}; got ${JSON.stringify(engines)}`);
      } else {
        engineList = engines as EngineName[];
      }
    }
    const kind = ruleKind(when, engineList, `${at}.when`, problems, engines !== undefined);
    if (typeof id === 'string' && typeof description === 'string' && typeof severity === 'string' && kind) {
      rules.push({ id, description: description.trim(), severity: severity.toUpperCase() as Severity, when: kind });
    }
  });
  return { rules: problems.length === 0 ? rules : [], problems };
}

export const RULE_EXAMPLE =
  '[{"id":"audit-schema-touched","severity":"HIGH","description":"Someone touched the audit schema","when":{"field":"objectName","startsWith":["audit."]}}]';

function ruleKind(when: unknown, engines: readonly EngineName[], at: string, problems: string[], enginesGiven: boolean): ActivityKind | undefined {
  if (!isObject(when)) {
    problems.push(`${at} must be a condition, e.g. {"field":"command","in":["DROP TABLE"]}`);
    return undefined;
  }
  const keys = Object.keys(when);
  if (keys.length > 0 && keys.every((key) => ENGINE_NAMES.includes(key as EngineName))) {
    if (enginesGiven) problems.push(`${at} gives a condition per engine: leave "engines" out`);
    const kind: Partial<Record<EngineName, Condition>> = {};
    for (const engine of keys as EngineName[]) {
      const condition = checkCondition(when[engine], `${at}.${engine}`, problems, 0);
      if (condition) kind[engine] = condition;
    }
    return kind;
  }
  const condition = checkCondition(when, at, problems, 0);
  return condition ? Object.fromEntries(engines.map((engine) => [engine, condition])) : undefined;
}

function checkCondition(value: unknown, at: string, problems: string[], depth: number): Condition | undefined {
  if (depth > 8) {
    problems.push(`${at} nests conditions deeper than 8 levels`);
    return undefined;
  }
  if (!isObject(value)) {
    problems.push(`${at} must be a condition object, e.g. {"field":"command","in":["DROP TABLE"]}`);
    return undefined;
  }
  const keys = Object.keys(value).sort().join(',');
  const words = (list: unknown, what: string): readonly string[] | undefined => {
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_WORDS || !list.every((item) => typeof item === 'string' && item.length > 0 && item.length <= 256)) {
      problems.push(`${at}.${what} must be a list of 1 to ${MAX_WORDS} non-empty strings`);
      return undefined;
    }
    return list as string[];
  };
  const field = (name: unknown, what: string): string | undefined => {
    if (typeof name !== 'string' || !FIELD_NAME.test(name)) {
      problems.push(`${at}.${what} must be an event field name such as command, dbUserName or objectName; got ${JSON.stringify(name)}`);
      return undefined;
    }
    return name;
  };
  switch (keys) {
    case 'field,in':
    case 'field,startsWith': {
      const name = field(value.field, 'field');
      const list = words('in' in value ? value.in : value.startsWith, 'in' in value ? 'in' : 'startsWith');
      if (!name || !list) return undefined;
      return 'in' in value ? { field: name, in: list } : { field: name, startsWith: list };
    }
    case 'statement': {
      const list = words(value.statement, 'statement');
      if (list && !list.every((word) => /^[A-Za-z]+( [A-Za-z]+)*$/.test(word))) {
        problems.push(`${at}.statement must list SQL keywords separated by single spaces, e.g. ["DROP TABLE"]`);
        return undefined;
      }
      return list ? { statement: list } : undefined;
    }
    case 'failed':
    case 'succeeded':
    case 'present':
    case 'absent': {
      const name = field(value[keys], keys);
      return name ? ({ [keys]: name } as Condition) : undefined;
    }
    case 'all':
    case 'any': {
      const list = value[keys];
      if (!Array.isArray(list) || list.length === 0) {
        problems.push(`${at}.${keys} must be a non-empty list of conditions`);
        return undefined;
      }
      const parts = list.map((part, index) => checkCondition(part, `${at}.${keys}[${index}]`, problems, depth + 1));
      if (parts.some((part) => part === undefined)) return undefined;
      return keys === 'all' ? { all: parts as Condition[] } : { any: parts as Condition[] };
    }
    default:
      problems.push(
        `${at} must have one of these shapes: {field, in}, {field, startsWith}, {statement}, {failed}, {succeeded}, {present}, {absent}, {all}, {any}; got keys ${keys || 'none'}`,
      );
      return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
