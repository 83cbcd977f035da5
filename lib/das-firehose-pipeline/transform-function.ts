import * as path from 'path';
import { CfnResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { settingsEnvironment, type SettingValues } from '../../lambda/settings/definitions';
import * as defaults from '../defaults';
import type { DasFirehosePipelineProps } from './props';
import type { ResolvedSource } from './resolved';

/** The transformer as the pipeline has it. */
export interface TransformFunction {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/** The repository root: where the default code's entry and lockfile are. */
const PACKAGE_ROOT = path.join(__dirname, '..', '..');

/**
 * The transformer function, its role and its log group, built in the pipeline's own scope (so that
 * their logical IDs stay what they were). The role may decrypt only with each activity stream's key
 * under its database's encryption context, write `events/` and `journal/`, and delete under `events/`
 * only to roll back a batch that failed.
 */
export function transformFunction(
  scope: Construct,
  props: DasFirehosePipelineProps,
  sources: readonly ResolvedSource[],
  bucket: s3.IBucket,
  environment: Record<string, string>,
): TransformFunction {
  const { logGroup, role } = functionRoleAndLogs(scope, props, {
    logGroupId: 'FunctionLogGroup',
    roleId: 'FunctionRole',
    description: 'DAS transformer: decrypts activity records and writes events/ in the audit bucket',
  });
  // What the transformer does in the bucket, and nowhere else (firehose/ belongs to Firehose):
  // write events/, delete there only to roll back a batch that failed, and write its journal.
  // (bucket.grantPut would add s3:Abort* and the object-lock and tagging actions.)
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteEvents',
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resources: [bucket.arnForObjects(`${defaults.EVENTS_PREFIX}*`)],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteJournal',
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${defaults.JOURNAL_PREFIX}*`)],
    }),
  );
  // A bucket the caller brings may be encrypted with a key of theirs: writing needs that key too.
  bucket.encryptionKey?.grantEncrypt(role);
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArnOf(bucket)}/${defaults.EVENTS_PREFIX}*]`,
    reason:
      'The transformer writes one object per command, hour and batch under events/ with keys it derives from ' +
      'the records, and deletes only those of a batch that failed; both actions are scoped to that prefix.',
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArnOf(bucket)}/${defaults.JOURNAL_PREFIX}*]`,
    reason:
      'The transformer writes one journal entry per batch under journal/, named after the batch; s3:PutObject ' +
      'is the only action, scoped to that prefix.',
  });
  for (const statement of decryptStatements(sources)) role.addToPrincipalPolicy(statement);

  const common = {
    description: 'Decrypts Database Activity Streams records for Firehose and writes them to S3 under events/',
    runtime: defaults.FUNCTION_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.functionMemorySize ?? defaults.DEFAULT_FUNCTION_MEMORY_MB,
    timeout: props.functionTimeout ?? defaults.DEFAULT_FUNCTION_TIMEOUT,
    role,
    logGroup,
    environment,
  };
  // A bundle of its own (lambda/transformer-entry.ts): the hot function parses only its own code at a cold start.
  const fn = bundledFunction(scope, 'TransformFunction', props, { ...common, handler: 'handler', entry: 'transformer-entry.ts' });
  return { function: fn, role, logGroup };
}

/**
 * A function running the project's code: the bundle of `lambda/handler.ts` (which exports every entry
 * point) or of a narrower entry beside it, built by esbuild; or the caller's `code`, whose `index.js`
 * must export the same names.
 */
export function bundledFunction(
  scope: Construct,
  id: string,
  props: Pick<DasFirehosePipelineProps, 'code'>,
  settings: Omit<lambda.FunctionProps, 'code' | 'handler' | 'runtime'> & {
    readonly runtime: lambda.Runtime;
    readonly handler: string;
    /** The file under `lambda/` esbuild starts from. @default 'handler.ts' */
    readonly entry?: string;
  },
): lambda.Function {
  const { handler, entry, ...common } = settings;
  return props.code
    ? new lambda.Function(scope, id, { ...common, code: props.code, handler: `index.${handler}` })
    : new NodejsFunction(scope, id, {
        ...common,
        entry: path.join(PACKAGE_ROOT, 'lambda', entry ?? 'handler.ts'),
        handler,
        projectRoot: PACKAGE_ROOT,
        depsLockFilePath: path.join(PACKAGE_ROOT, 'package-lock.json'),
        bundling: {
          minify: true,
          sourceMap: true,
          // Stack traces need only the mappings; the sources' text would more than double the map that
          // --enable-source-maps reads at every cold start.
          sourcesContent: false,
          // The packages' ES module builds where they have one: esbuild then leaves out the AWS SDK
          // commands and schemas we never send (the bundle shrinks by a sixth), which V8 would otherwise
          // compile and run at every cold start. Those builds import node:http dynamically when an
          // endpoint is plain http (local endpoints only), hence the slow tier's --experimental-vm-modules.
          mainFields: ['module', 'main'],
          target: defaults.FUNCTION_ESBUILD_TARGET,
          format: OutputFormat.CJS,
          // Bundle the AWS SDK and the Encryption SDK at the versions package-lock.json pins,
          // instead of whatever the runtime ships.
          bundleAwsSDK: true,
          externalModules: [],
        },
      });
}

/**
 * `kms:Decrypt` on each activity stream's key, only under the encryption context of the databases
 * that stream with it. One statement per key and context key: `aws:rds:dbc-id` and `aws:rds:db-id`
 * conditions in one statement would both have to hold.
 */
export function decryptStatements(sources: readonly ResolvedSource[]): iam.PolicyStatement[] {
  const groups = new Map<string, { keyArn: string; contextKey: string; resourceIds: string[] }>();
  for (const source of sources) {
    // Validation settled the context key from the resource ID (the transformer's own rule), or took the
    // source's: a database named by identifier gives both, each with its one resource ID as the value.
    for (const contextKey of source.contextKeys) {
      const id = `${source.key.keyArn}|${contextKey}`;
      const group = groups.get(id) ?? { keyArn: source.key.keyArn, contextKey, resourceIds: [] };
      group.resourceIds.push(source.resourceId);
      groups.set(id, group);
    }
  }
  return [...groups.values()].map(
    (group) =>
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [group.keyArn],
        conditions: {
          StringEquals: {
            [`kms:EncryptionContext:${group.contextKey}`]: group.resourceIds.length === 1 ? group.resourceIds[0] : group.resourceIds,
          },
        },
      }),
  );
}

/**
 * The environment of the transformer and of the replay function (the same code, the same settings),
 * written from the settings' definitions (lambda/settings/definitions.ts): the bucket, the keys, the
 * log level and metrics namespace, the drop lists, and the alert settings (see `alertSettings`).
 */
export function functionEnvironment(
  props: DasFirehosePipelineProps,
  sources: readonly ResolvedSource[],
  bucketName: string,
  alerts: SettingValues,
): Record<string, string> {
  const keyArns = new Set(sources.map((source) => source.key.keyArn));
  const first = sources[0] as ResolvedSource;
  return {
    POWERTOOLS_SERVICE_NAME: defaults.SERVICE_NAME,
    NODE_OPTIONS: '--enable-source-maps',
    ...settingsEnvironment({
      bucketName,
      // One key for every database, or <resourceId>=<keyArn> pairs when they stream with different keys.
      kmsKeys:
        keyArns.size === 1
          ? { default: first.key.keyArn, byResource: new Map() }
          : { byResource: new Map(sources.map((source) => [source.resourceId, source.key.keyArn])) },
      resourceId: sources.length === 1 && first.resourceIdGiven ? first.resourceId : undefined,
      logLevel: (props.logLevel ?? defaults.DEFAULT_LOG_LEVEL).toUpperCase(),
      metricsNamespace: props.metricsNamespace ?? defaults.DEFAULT_METRICS_NAMESPACE,
      decryptFastPath: props.decryptFastPath ?? true,
      dropClasses: props.dropClasses ?? [],
      dropCommands: props.dropCommands ?? [],
      dropUsers: props.dropUsers ?? [],
      ...alerts,
    }),
  };
}

/**
 * A function's role (assumed by Lambda, writing only to its own log group) and log group, as every
 * function of the pipeline has them. Operational logs only: the audit data itself lives in the bucket,
 * so the log group goes with the stack. The ids are the callers', unchanged across versions.
 */
export function functionRoleAndLogs(
  scope: Construct,
  props: DasFirehosePipelineProps,
  ids: { readonly logGroupId: string; readonly roleId: string; readonly description: string },
): { readonly role: iam.Role; readonly logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, ids.logGroupId, {
    retention: props.logRetention ?? defaults.DEFAULT_LOG_RETENTION,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, ids.roleId, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: ids.description });
  logGroup.grantWrite(role);
  return { role, logGroup };
}

/**
 * A bucket's ARN as cdk-nag writes it in a finding's ID: `<LogicalId.Arn>` for a bucket this stack
 * defines, `arn:<AWS::Partition>:s3:::<name>` for one imported by name.
 */
export function nagArnOf(bucket: s3.IBucket): string {
  const resource = bucket.node.defaultChild;
  if (resource instanceof CfnResource) return `<${Stack.of(bucket).getLogicalId(resource)}.Arn>`;
  return `arn:<AWS::Partition>:s3:::${bucket.bucketName}`;
}
