/**
 * What Security Hub checks of one ASFF finding in `BatchImportFindings` (the service model's required
 * members and documented lengths, the timestamp and `Types` patterns, the `Details.Other` and
 * `ProductFields` map limits; see the research note on Security Hub), worded as its ajv-style messages
 * (`data.Title should NOT be longer than 256 characters`). The first problem found is reported.
 */

const REQUIRED = ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'CreatedAt', 'UpdatedAt', 'Title', 'Description', 'Resources'] as const;

const MAX_LENGTH: Readonly<Record<string, number>> = { Id: 512, ProductArn: 2048, GeneratorId: 512, Title: 256, Description: 1024, ProductName: 128, CompanyName: 128 };

/** `YYYY-MM-DDTHH:MM:SS[.fraction up to 9]` then `Z` or an offset `±HH:MM` / `±HHMM`. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
const TIMESTAMPS = ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt'] as const;
const TYPE = /^([^/]+)(\/[^/]+){0,2}$/;
const LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-us-iso', 'aws-us-iso-b', 'AzureCloud'];

type Json = Record<string, unknown>;

/** Why Security Hub would refuse the finding (`InvalidInput`), or undefined when it takes it. */
export function findingProblem(finding: Json, oversized: boolean): string | undefined {
  if (oversized) return 'Finding size exceeded 240 KB';
  for (const name of REQUIRED) {
    if (finding[name] === undefined || finding[name] === null) return `data should have required property '${name}'`;
  }
  for (const [name, value] of Object.entries(finding)) {
    if (typeof value === 'string') {
      if (!/\S/.test(value)) return `data.${name} should match pattern ".*\\S.*"`;
      const max = MAX_LENGTH[name];
      if (max !== undefined && value.length > max) return `data.${name} should NOT be longer than ${max} characters`;
    }
  }
  if (finding.SchemaVersion !== '2018-10-08') return 'data.SchemaVersion should be equal to one of the allowed values';
  if (typeof finding.AwsAccountId !== 'string' || !/^\d{12}$/.test(finding.AwsAccountId)) return 'data.AwsAccountId should match pattern "^\\d{12}$"';
  for (const name of TIMESTAMPS) {
    const value = finding[name];
    if (value !== undefined && (typeof value !== 'string' || !TIMESTAMP.test(value))) return `data.${name} should match format "date-time"`;
  }
  return severityProblem(finding) ?? typesProblem(finding) ?? resourcesProblem(finding.Resources) ?? mapProblem(finding.ProductFields, 'ProductFields', 2048, true);
}

/** Severity and types must be present, top-level or (preferred) in `FindingProviderFields`. */
function severityProblem(finding: Json): string | undefined {
  const provider = object(finding.FindingProviderFields);
  const top = object(finding.Severity);
  const fpf = object(provider?.Severity);
  for (const [path, severity] of [['Severity', top], ['FindingProviderFields.Severity', fpf]] as const) {
    if (severity?.Label !== undefined && !LABELS.includes(String(severity.Label))) return `data.${path}.Label should be equal to one of the allowed values`;
    if (severity?.Normalized !== undefined && !(Number.isInteger(severity.Normalized) && (severity.Normalized as number) >= 0 && (severity.Normalized as number) <= 100)) {
      return `data.${path}.Normalized should be <= 100`;
    }
    if (typeof severity?.Original === 'string' && severity.Original.length > 64) return `data.${path}.Original should NOT be longer than 64 characters`;
  }
  if (top?.Label === undefined && top?.Normalized === undefined && fpf?.Label === undefined) {
    return "data should have required property 'FindingProviderFields', data should match some schema in anyOf";
  }
  return undefined;
}

function typesProblem(finding: Json): string | undefined {
  const lists = [['Types', finding.Types], ['FindingProviderFields.Types', object(finding.FindingProviderFields)?.Types]] as const;
  let present = false;
  for (const [path, list] of lists) {
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length > 50) return `data.${path} should be an array of at most 50 items`;
    for (const [index, type] of list.entries()) {
      if (typeof type !== 'string' || !TYPE.test(type)) return `data.${path}[${index}] should match pattern "^([^/]+)(/[^/]+){0,2}$"`;
    }
    if (list.length > 0) present = true;
  }
  return present ? undefined : "data should have required property 'Types', data should match some schema in anyOf";
}

function resourcesProblem(resources: unknown): string | undefined {
  if (!Array.isArray(resources) || resources.length < 1 || resources.length > 32) return 'data.Resources should NOT have fewer than 1 items or more than 32';
  for (const [index, raw] of resources.entries()) {
    const resource = object(raw);
    const path = `data.Resources[${index}]`;
    if (!resource) return `${path} should be object`;
    for (const name of ['Type', 'Id'] as const) {
      const value = resource[name];
      if (typeof value !== 'string' || !/\S/.test(value)) return `${path} should have required property '${name}'`;
    }
    if ((resource.Type as string).length > 256) return `${path}.Type should NOT be longer than 256 characters`;
    if (resource.Partition !== undefined && !PARTITIONS.includes(String(resource.Partition))) return `${path}.Partition should be equal to one of the allowed values`;
    if (typeof resource.Region === 'string' && resource.Region.length > 16) return `${path}.Region should NOT be longer than 16 characters`;
    const other = object(resource.Details)?.Other;
    const problem = mapProblem(other, `Resources[${index}].Details.Other`, 1024, false);
    if (problem) return problem;
  }
  return undefined;
}

/** A string map of at most 50 pairs, keys under 128 characters, values non-blank and at most `maxValue`. */
function mapProblem(value: unknown, path: string, maxValue: number, reservedAws: boolean): string | undefined {
  if (value === undefined) return undefined;
  const map = object(value);
  if (!map) return `data.${path} should be object`;
  const entries = Object.entries(map);
  if (entries.length > 50) return `data.${path} should NOT have more than 50 properties`;
  for (const [key, item] of entries) {
    if (key.length > 127) return `data.${path} property name '${key.slice(0, 20)}…' should NOT be longer than 127 characters`;
    if (reservedAws && key.startsWith('aws/')) return `data.${path}['${key}'] uses the reserved prefix aws/`;
    if (typeof item !== 'string' || !/\S/.test(item)) return `data.${path}['${key}'] should match pattern ".*\\S.*"`;
    if (item.length > maxValue) return `data.${path}['${key}'] should NOT be longer than ${maxValue} characters`;
  }
  return undefined;
}

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
