import { constants as bufferLimits } from 'node:buffer';
import { ConfigError } from './errors';
import { isResourceId } from './core/resource';

/** Which events to leave out of the audit log, besides heartbeats. Values are lower-cased. */
export interface DropFilters {
  readonly classes: ReadonlySet<string>;
  readonly commands: ReadonlySet<string>;
  readonly users: ReadonlySet<string>;
}

/** The KMS key(s) `Decrypt` may use: one for every resource, or one per resource ID. */
export interface KmsKeySelection {
  readonly default?: string;
  readonly byResource: ReadonlyMap<string, string>;
}

export interface Config {
  readonly bucketName: string;
  /** Overrides the resource ID taken from the event's `sourceKinesisStreamArn`. */
  readonly resourceId?: string;
  readonly kmsKeys: KmsKeySelection;
  readonly dropFilters: DropFilters;
  /** Cap on one record's gunzipped activity JSON; a larger record fails alone (decompression bomb). */
  readonly maxDecompressedBytes: number;
  /** Plaintext data keys kept for warm invocations. */
  readonly dataKeyCacheSize: number;
  readonly dataKeyCacheTtlSeconds: number;
  /** Concurrent S3 PUTs per invocation; enough for every (command, hour) group of a batch in one wave. */
  readonly s3Concurrency: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the transformer's settings, failing with a message that names the variable and shows an example.
 *
 * @example
 * const config = loadConfig({ BUCKET_NAME: 'my-audit-bucket', DROP_USERS: 'rdsadmin' });
 */
export function loadConfig(env: Env = process.env): Config {
  const bucketName = setting(env, 'BUCKET_NAME');
  if (!bucketName) {
    throw new ConfigError(
      'BUCKET_NAME is not set: the bucket that receives events/command=…/ objects, e.g. BUCKET_NAME=my-audit-bucket',
    );
  }
  const resourceId = setting(env, 'RESOURCE_ID');
  if (resourceId !== undefined && !isResourceId(resourceId)) {
    throw new ConfigError(
      `RESOURCE_ID must be an Aurora cluster resource ID (cluster-…) or an RDS instance resource ID (db-…), e.g. RESOURCE_ID=cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ; got "${resourceId}"`,
    );
  }
  return {
    bucketName,
    resourceId,
    kmsKeys: parseKmsKeys(setting(env, 'KMS_KEY_ARN')),
    dropFilters: {
      classes: commaSet(setting(env, 'DROP_CLASSES')),
      commands: commaSet(setting(env, 'DROP_COMMANDS')),
      users: commaSet(setting(env, 'DROP_USERS')),
    },
    maxDecompressedBytes: positiveInt(env, 'MAX_DECOMPRESSED_BYTES', 64 * 1024 * 1024, '67108864', bufferLimits.MAX_LENGTH),
    dataKeyCacheSize: positiveInt(env, 'DATA_KEY_CACHE_SIZE', 100, '100'),
    dataKeyCacheTtlSeconds: positiveInt(env, 'DATA_KEY_CACHE_TTL_SECONDS', 3600, '3600'),
    s3Concurrency: positiveInt(env, 'S3_CONCURRENCY', 64, '64'),
  };
}

function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function commaSet(value: string | undefined): ReadonlySet<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item.length > 0),
  );
}

function positiveInt(env: Env, name: string, fallback: number, example: string, max = Number.MAX_SAFE_INTEGER): number {
  const raw = setting(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new ConfigError(`${name} must be a positive whole number up to ${max}, e.g. ${name}=${example}; got "${raw}"`);
  }
  return value;
}

/**
 * `KMS_KEY_ARN` is either one key ARN (every resource) or, when one function serves databases
 * streaming with different keys, a comma list of `<resourceId>=<keyArn>` pairs.
 */
function parseKmsKeys(raw: string | undefined): KmsKeySelection {
  const byResource = new Map<string, string>();
  if (raw === undefined) return { byResource };
  if (!raw.includes('=')) return { default: raw, byResource };
  for (const pair of raw.split(',').map((item) => item.trim()).filter(Boolean)) {
    const [resourceId, keyArn, ...rest] = pair.split('=').map((item) => item.trim());
    if (!resourceId || !keyArn || rest.length > 0 || !isResourceId(resourceId)) {
      throw new ConfigError(
        'KMS_KEY_ARN must be one key ARN or a comma list of <resourceId>=<keyArn>, e.g. ' +
          'KMS_KEY_ARN=arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab or ' +
          'KMS_KEY_ARN=cluster-ABC=arn:aws:kms:…:key/…,db-XYZ=arn:aws:kms:…:key/…',
      );
    }
    byResource.set(resourceId, keyArn);
  }
  return { byResource };
}

/**
 * The key ID to pin `Decrypt` to for a resource, if any was configured. With one key per resource, a
 * resource that has none is refused rather than decrypted with whatever key its blob names.
 */
export function kmsKeyFor(keys: KmsKeySelection, resourceId: string): string | undefined {
  if (keys.byResource.size === 0) return keys.default;
  const keyId = keys.byResource.get(resourceId);
  if (!keyId) {
    throw new ConfigError(
      `KMS_KEY_ARN lists a key per resource but none for ${resourceId}: add ${resourceId}=<keyArn> to it`,
    );
  }
  return keyId;
}
