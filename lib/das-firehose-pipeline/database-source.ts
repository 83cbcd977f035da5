import { ArnFormat, CfnResource, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
// The handler's own reading of identifiers and ARNs: the stack and the custom resource agree on what a value names.
import { parseDatabaseRef, type DatabaseRef } from '../../lambda/core/database-source/database';
import * as defaults from '../defaults';
import type { ActivityStreamSource, EncryptionContextKey } from './props';
import { bundledFunction } from './transform-function';

/** Properties of {@link DatabaseSources}. */
export interface DatabaseSourcesProps {
  /**
   * The databases, each an identifier or an RDS ARN of an Aurora cluster
   * (`arn:aws:rds:<region>:<account>:cluster:<name>`) or an RDS for Oracle / SQL Server instance
   * (`arn:aws:rds:<region>:<account>:db:<name>`), all in the stack's region.
   */
  readonly databases: readonly string[];
  /**
   * Start the activity stream of a database whose stream is stopped. Starting restarts the database
   * (or waits for its maintenance window, see docs/operations.md): never a default.
   * @default false - a database whose stream is not started fails the deployment, saying how to start it
   */
  readonly startActivityStream?: boolean;
  /** @default 'async' */
  readonly activityStreamMode?: 'async' | 'sync';
  /**
   * The customer managed key to start streams with. Only with `startActivityStream`.
   * @default - a key the construct creates (rotated, retained on deletion) when starting
   */
  readonly activityStreamKey?: kms.IKey;
  /**
   * Stop the activity stream when the stack (or this database's source) is deleted, if this stack
   * started it. Stopping restarts the database and deletes its Kinesis stream.
   * @default false - the stream is left running
   */
  readonly stopActivityStreamOnDelete?: boolean;
  /** The functions' code, as the pipeline's `code` prop (an `index.js` exporting `databaseSourceOnEvent` and `databaseSourceIsComplete`). */
  readonly code?: lambda.Code;
  /** @default defaults.DEFAULT_LOG_RETENTION */
  readonly logRetention?: logs.RetentionDays;
}

/** Polls RDS every 30 s while a stream starts. */
export const DATABASE_SOURCE_QUERY_INTERVAL = Duration.seconds(30);
/**
 * How long the stack waits for a stream to start. RDS documents no duration; Terraform waits 30 minutes
 * and its tests took 25 to 27. CloudFormation gives a custom resource at most one hour, so the Provider
 * gives up a little before, with its own message rather than CloudFormation's.
 */
export const DATABASE_SOURCE_TOTAL_TIMEOUT = Duration.minutes(55);

const CONTEXT_KEYS: Record<NonNullable<DatabaseRef['arn']>['kind'], EncryptionContextKey> = { cluster: 'aws:rds:dbc-id', instance: 'aws:rds:db-id' };

/**
 * Activity stream sources found from databases at deployment: one custom resource per database,
 * served by one Provider (`onEvent` finds the database and starts its stream when asked, `isComplete`
 * waits until it is started), whose attributes give the pipeline the stream, the key and the resource ID.
 *
 * The functions' roles may describe only the named databases and read key metadata in the region;
 * starting (and granting RDS the use of the start key) and stopping are in the policy only when asked for.
 */
export class DatabaseSources extends Construct {
  /** One source per database, in the order of `databases`, for the pipeline's `activityStreams`. */
  public readonly sources: readonly ActivityStreamSource[];
  /** The custom resources, in the order of `databases`. */
  public readonly resources: readonly CustomResource[];
  public readonly provider: cr.Provider;
  /** The key streams are started with, when the construct created it. */
  public readonly createdKey?: kms.Key;

  constructor(scope: Construct, id: string, props: DatabaseSourcesProps) {
    super(scope, id);
    const refs = props.databases.map((text) => {
      const ref = parseDatabaseRef(text);
      if (!ref) throw new Error(`"${text}" is not a DB cluster or DB instance identifier or RDS ARN (arn:aws:rds:<region>:<account>:cluster:<name> or :db:<name>).`);
      return ref;
    });
    const start = props.startActivityStream === true;
    if (!start && (props.activityStreamKey || props.activityStreamMode || props.stopActivityStreamOnDelete)) {
      throw new Error('activityStreamKey, activityStreamMode and stopActivityStreamOnDelete apply to streams the stack starts: they need startActivityStream.');
    }
    const startKey = start ? (props.activityStreamKey ?? (this.createdKey = activityStreamKey(this))) : undefined;
    const databaseArns = refs.flatMap((ref) => this.arnsOf(ref));

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? defaults.DEFAULT_LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const describe = [
      ...refs.flatMap((ref) => this.describeStatements(ref)),
      new iam.PolicyStatement({
        sid: 'ReadKeyMetadata',
        actions: ['kms:DescribeKey'],
        resources: [Stack.of(this).formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
      }),
    ];
    const onEventStatements = [...describe];
    if (startKey) {
      onEventStatements.push(
        new iam.PolicyStatement({ sid: 'StartActivityStream', actions: ['rds:StartActivityStream'], resources: databaseArns }),
        // RDS makes a grant on the key in the caller's name: only through RDS, and only for an AWS resource.
        new iam.PolicyStatement({
          sid: 'LetRdsUseStartKey',
          actions: ['kms:CreateGrant'],
          resources: [startKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `rds.${Stack.of(this).region}.amazonaws.com` }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
        // kms:GrantIsForAWSResource is not in a DescribeKey request: it would never match there.
        new iam.PolicyStatement({
          sid: 'LetRdsDescribeStartKey',
          actions: ['kms:DescribeKey'],
          resources: [startKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `rds.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    if (start && props.stopActivityStreamOnDelete) {
      onEventStatements.push(new iam.PolicyStatement({ sid: 'StopActivityStream', actions: ['rds:StopActivityStream'], resources: databaseArns }));
    }
    const handler = (name: 'OnEvent' | 'IsComplete', statements: iam.PolicyStatement[], entry: string): lambda.Function => {
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `das-firehose database source (${name}): describes the named databases${name === 'OnEvent' && start ? ', starts their activity streams' : ''}`,
      });
      logGroup.grantWrite(role);
      for (const statement of statements) role.addToPrincipalPolicy(statement);
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
        reason:
          'The activity stream\'s key is known only once RDS reports it (as an ID, an alias or an ARN); kms:DescribeKey ' +
          'turns it into the key ARN the pipeline is granted. It reads key metadata in this account and region only, never key material.',
      });
      return bundledFunction(this, `${name}Function`, { code: props.code }, {
        description: `das-firehose database source: ${name === 'OnEvent' ? 'finds the database and starts its activity stream when asked' : 'waits until the activity stream is started'}`,
        runtime: defaults.FUNCTION_RUNTIME,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout: Duration.minutes(1),
        role,
        logGroup,
        handler: entry,
      });
    };

    const onEvent = handler('OnEvent', onEventStatements, 'databaseSourceOnEvent');
    const isComplete = handler('IsComplete', describe, 'databaseSourceIsComplete');
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: DATABASE_SOURCE_QUERY_INTERVAL,
      totalTimeout: DATABASE_SOURCE_TOTAL_TIMEOUT,
      logGroup,
    });
    acknowledgeProviderFindings(this.provider, [onEvent, isComplete]);

    this.resources = refs.map(
      (ref) =>
        new CustomResource(this, databaseId(ref), {
          serviceToken: this.provider.serviceToken,
          resourceType: 'Custom::DasDatabaseSource',
          serviceTimeout: Duration.hours(1),
          properties: {
            Database: ref.text,
            StartActivityStream: String(start),
            Mode: props.activityStreamMode ?? 'async',
            ...(startKey ? { KmsKeyArn: startKey.keyArn } : {}),
            StopOnDelete: String(start && props.stopActivityStreamOnDelete === true),
          },
        }),
    );
    this.sources = refs.map((ref, index) => {
      const resource = this.resources[index] as CustomResource;
      const name = databaseId(ref);
      return {
        stream: kinesis.Stream.fromStreamArn(this, `${name}Stream`, resource.getAttString('StreamArn')),
        key: kms.Key.fromKeyArn(this, `${name}Key`, resource.getAttString('KeyArn')),
        resourceId: resource.getAttString('ResourceId'),
        name,
        // An ARN says which context RDS binds the data keys to; an identifier does not until deployment (see encryptionContextKeys).
        encryptionContextKeys: ref.arn ? [CONTEXT_KEYS[ref.arn.kind]] : ['aws:rds:dbc-id', 'aws:rds:db-id'],
      };
    });
  }

  /** The database's ARN, or both an identifier can name (a cluster and an instance). */
  private arnsOf(ref: DatabaseRef): string[] {
    if (ref.arn) return [ref.text];
    const stack = Stack.of(this);
    return (['cluster', 'db'] as const).map((resource) => stack.formatArn({ service: 'rds', resource, resourceName: ref.text, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
  }

  private describeStatements(ref: DatabaseRef): iam.PolicyStatement[] {
    const [clusterArn, instanceArn] = this.arnsOf(ref);
    if (ref.arn) {
      return [new iam.PolicyStatement({ actions: [ref.arn.kind === 'cluster' ? 'rds:DescribeDBClusters' : 'rds:DescribeDBInstances'], resources: [ref.text] })];
    }
    return [
      new iam.PolicyStatement({ actions: ['rds:DescribeDBClusters'], resources: [clusterArn as string] }),
      new iam.PolicyStatement({ actions: ['rds:DescribeDBInstances'], resources: [instanceArn as string] }),
    ];
  }
}

/**
 * The construct id of a database's custom resource and of its resources in the pipeline: its name, so
 * that adding or removing another database leaves it (and its delivery stream, which Firehose cannot
 * move to another source without replacing it) untouched.
 */
export function databaseId(ref: DatabaseRef): string {
  return `Database-${ref.arn ? ref.arn.name : ref.text}`;
}

/**
 * The customer managed key the stack starts streams with. Its policy is the default one: the account
 * may use the key through IAM policies, and nothing else. That is what RDS needs: StartActivityStream
 * makes a grant on the key in the name of the caller, whose IAM policy allows kms:CreateGrant only
 * through RDS, and the transformer decrypts through its own IAM policy, under one database's context.
 * Retained on deletion: a stream left running (the default) keeps using it.
 */
function activityStreamKey(scope: Construct): kms.Key {
  return new kms.Key(scope, 'ActivityStreamKey', {
    description: 'das-firehose: encrypts the database activity streams this stack starts',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The Provider framework's own resources, as aws-cdk-lib builds them; each finding with why it stays. */
function acknowledgeProviderFindings(provider: cr.Provider, handlers: readonly lambda.Function[]): void {
  const framework = ['framework-isComplete', 'framework-onTimeout'].map((id) => provider.node.findChild(id) as lambda.Function);
  const arnOf = (fn: lambda.Function): string => `<${Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnResource)}.Arn>`;
  const reasons: Record<string, string> = {
    ...Object.fromEntries(
      [...handlers, ...framework].map((fn) => [
        `AwsSolutions-IAM5[Resource::${arnOf(fn)}:*]`,
        'The Provider framework (aws-cdk-lib) lets its functions and waiter invoke this one function by ARN and any of its ' +
          'versions or aliases (ARN:*); the wildcard is the qualifier of that one function, not other functions.',
      ]),
    ),
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
      'The Provider framework\'s own functions (onEvent, isComplete, onTimeout) write their logs with the AWS managed basic execution policy; aws-cdk-lib builds these roles.',
    'AwsSolutions-SF1':
      'The waiter state machine of the Provider framework only retries isComplete; its steps are logged by the functions in the database source\'s log group.',
    'AwsSolutions-SF2':
      'The waiter state machine of the Provider framework has no X-Ray option; it runs once per deployment and its functions log every step.',
  };
  for (const [id, reason] of Object.entries(reasons)) Validations.of(provider).acknowledge({ id, reason });
}
