import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_KMS_KEY_ARN, DEV_REGION } from './dev-key';
import { encryptionContextFor, type MintKey } from '../das/das-synth';
import { LocalEventBridge } from './eventbridge-endpoint';
import { FaultProxy } from './fault-proxy';
import { LocalLambda, type LocalFunction } from './lambda-endpoint';
import { LocalKms, type LocalKmsOptions } from './kms-endpoint';
import { localHandlerEnv } from './local-env';
import { LocalS3, type S3Notification } from './s3-server';
import { LocalSecurityHub } from './securityhub-endpoint';
import { LocalRds } from './rds-endpoint';
import { EXAMPLE_DATABASES, type LocalDatabaseSpec } from './rds-databases';

/**
 * A function the local Lambda endpoint hosts, built from the environment that points the SDK at the
 * local endpoints (the caller decides what runs there: the world does not import the app).
 */
export interface HostedFunction {
  readonly create: (env: Record<string, string | undefined>) => LocalFunction['handler'];
  /** @default 15 minutes, as in the stack */
  readonly timeoutMs?: number;
}

export interface LocalAwsOptions extends LocalKmsOptions {
  /** @default das-firehose-local */
  readonly bucket?: string;
  /** Where s3rver keeps objects. @default a new temporary folder */
  readonly s3Directory?: string;
  /**
   * Where the temporary folder for objects goes when `s3Directory` is not given.
   * @default the operating system's temporary folder
   */
  readonly s3TemporaryParent?: string;
  /**
   * Puts a {@link FaultProxy} in front of s3rver and points `AWS_ENDPOINT_URL_S3` at it, so tests can
   * make S3 fail on demand. @default false
   */
  readonly s3Faults?: boolean;
  /** The functions the local Lambda endpoint hosts, by name. @default none */
  readonly functions?: Readonly<Record<string, HostedFunction>>;
  /**
   * S3 event notifications of the bucket, as the stack configures them: objects created under `prefix`
   * (and ending in `suffix`) invoke the hosted function named, in the background (see `settled`).
   */
  readonly notifications?: ReadonlyArray<{ readonly prefix: string; readonly suffix?: string; readonly function: string }>;
  /** The databases the local RDS endpoint holds. @default {@link EXAMPLE_DATABASES} */
  readonly databases?: readonly LocalDatabaseSpec[];
}

/**
 * A KMS endpoint and an S3-compatible server on loopback, and the standard SDK environment that
 * points the real clients (and so the handler) at them.
 */
export class LocalAws {
  readonly bucket: string;
  readonly kms: LocalKms;
  /** Hosts the functions given at start (the replay function, for `npm run replay -- --function`). */
  readonly lambda = new LocalLambda();
  /** Receives the alerts the transformer publishes (the default bus, or any other: like EventBridge, it takes any name). */
  readonly eventBridge = new LocalEventBridge();
  /** Receives the findings the alert publisher imports (the development account's default product). */
  readonly securityHub = new LocalSecurityHub();
  /** Databases with activity streams, their keys looked up in the local KMS (for the doctor and the database source). */
  readonly rds: LocalRds;
  /** The proxy between the clients and s3rver, when started with `s3Faults`. */
  s3Proxy?: FaultProxy;
  private s3?: LocalS3;

  private constructor(options: LocalAwsOptions) {
    this.bucket = options.bucket ?? 'das-firehose-local';
    this.kms = new LocalKms(options);
    this.rds = new LocalRds({ databases: options.databases ?? EXAMPLE_DATABASES, kms: this.kms });
  }

  static async start(options: LocalAwsOptions = {}): Promise<LocalAws> {
    const local = new LocalAws(options);
    // A folder of its own unless told where: removed again at stop, so no run leaves objects behind.
    const directory = options.s3Directory ?? (local.temporaryDirectory = await mkdtemp(join(options.s3TemporaryParent ?? tmpdir(), 'das-firehose-s3-')));
    local.s3 = new LocalS3({ directory, buckets: [local.bucket], onEvent: (event) => local.notify(event, options.notifications ?? []) });
    await Promise.all([local.kms.start(), local.s3.start(), local.lambda.start(), local.eventBridge.start(), local.securityHub.start(), local.rds.start()]);
    if (options.s3Faults) {
      local.s3Proxy = new FaultProxy({ target: local.s3.endpoint });
      await local.s3Proxy.start();
    }
    // While the world runs, the process's SDK settings point at it: functions the bucket's notifications
    // invoke run in the background, beside whatever scope set its own variables for a call (withEnv),
    // and an SDK client resolves its region, endpoint and credentials lazily, at its first request.
    local.restoreEnv = applyEnv({ ...local.env, AWS_DEFAULT_REGION: local.env.AWS_REGION });
    // Hosted functions run with the handler's settings (the same as the transformer's, as in the stack).
    // They are built logging warnings and errors only, and no metrics lines, unless the process says
    // otherwise: they run in the background of whatever the caller prints (npm start's report, npm run
    // local's alert lines). Powertools reads those switches when a logger or metrics object is built, so
    // they are set for building only: an invocation runs beside others (a notification fires while the
    // transformer still runs), and must not change what the process's own loggers and metrics see.
    const { POWERTOOLS_LOG_LEVEL: _level, POWERTOOLS_SERVICE_NAME: _service, ...runEnv } = localHandlerEnv(local.env);
    const buildEnv = {
      ...localHandlerEnv(local.env),
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    };
    for (const [name, hosted] of Object.entries(options.functions ?? {})) {
      const handler = await withEnv(buildEnv, async () => hosted.create(buildEnv));
      local.lambda.register(name, {
        handler: (payload, context) => withEnv(runEnv, () => handler(payload, context)),
        ...(hosted.timeoutMs !== undefined ? { timeoutMs: hosted.timeoutMs } : {}),
      });
    }
    return local;
  }

  private readonly inFlight = new Set<Promise<unknown>>();
  /** Failures of notified functions, by function name: S3 would retry them; here they are kept for a look. */
  readonly notificationErrors: Array<{ readonly function: string; readonly error: unknown }> = [];
  /** What the notified functions answered, in the order they finished. */
  readonly notificationResults: Array<{ readonly function: string; readonly result: unknown }> = [];

  /** Invokes the functions a notification of the bucket is configured for, as S3 does (asynchronously). */
  private notify(event: S3Notification, notifications: NonNullable<LocalAwsOptions['notifications']>): void {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated') || record.s3.bucket.name !== this.bucket) continue;
      const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
      for (const notification of notifications) {
        if (!key.startsWith(notification.prefix) || (notification.suffix && !key.endsWith(notification.suffix))) continue;
        const run = this.lambda
          .invokeEvent(notification.function, { Records: [record] })
          .then((result) => this.notificationResults.push({ function: notification.function, result }))
          .catch((error: unknown) => this.notificationErrors.push({ function: notification.function, error }))
          .finally(() => this.inFlight.delete(run));
        this.inFlight.add(run);
      }
    }
  }

  /** Resolves once every function invoked by a notification so far has finished (and those they caused). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** The SDK's standard settings for these endpoints, plus the handler's BUCKET_NAME. */
  get env(): Record<string, string> {
    return {
      AWS_REGION: DEV_REGION,
      // s3rver accepts only its built-in credentials; the KMS endpoint accepts any.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_KMS: this.kms.endpoint,
      AWS_ENDPOINT_URL_S3: this.s3Proxy?.endpoint ?? this.s3Endpoint,
      AWS_ENDPOINT_URL_LAMBDA: this.lambda.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: this.eventBridge.endpoint,
      AWS_ENDPOINT_URL_SECURITYHUB: this.securityHub.endpoint,
      AWS_ENDPOINT_URL_RDS: this.rds.endpoint,
      BUCKET_NAME: this.bucket,
    };
  }

  /** s3rver itself, behind any proxy: for reading back what was stored without faults in the way. */
  get s3Endpoint(): string {
    if (!this.s3) throw new Error('LocalAws is not started');
    return this.s3.endpoint;
  }

  /** A fresh data key sealed for a resource, as RDS gets it from `GenerateDataKey`. */
  dataKey(resourceId: string, keyArn: string = DEV_KMS_KEY_ARN): MintKey {
    const plaintext = randomBytes(32);
    return { plaintext, blob: this.kms.seal(keyArn, plaintext, encryptionContextFor(resourceId)).toString('base64') };
  }

  private restoreEnv?: () => void;
  private temporaryDirectory?: string;

  async stop(): Promise<void> {
    await this.settled();
    this.restoreEnv?.();
    this.restoreEnv = undefined;
    await Promise.all([
      this.kms.stop(),
      this.s3?.stop(),
      this.s3Proxy?.stop(),
      this.lambda.stop(),
      this.eventBridge.stop(),
      this.securityHub.stop(),
      this.rds.stop(),
    ]);
    if (this.temporaryDirectory) await rm(this.temporaryDirectory, { recursive: true, force: true });
  }
}

/** Sets variables for the duration of `fn` (the handler and SDK read process.env), then restores them. */
export async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const restore = applyEnv(env);
  try {
    return await fn();
  } finally {
    restore();
  }
}

/** Sets variables (undefined unsets one) and returns what puts them back as they were. */
function applyEnv(env: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  apply(env);
  return () => apply(saved);
}

function apply(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
