import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../../lambda/settings/definitions';
import * as defaults from '../defaults';
import type { DasFirehosePipelineProps } from './props';
import { bundledFunction, functionRoleAndLogs, nagArnOf } from './transform-function';

/** The alert publisher as the pipeline has it. */
export interface AlertPublisher {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The schedule that sweeps the outbox every five minutes. */
  readonly sweepRule: events.Rule;
}

/** What the publisher sends and where. */
export interface AlertPublisherTargets {
  readonly bucket: s3.IBucket;
  readonly eventBus: events.IEventBus;
  /** Whether each alert also goes to Security Hub as a finding of the account's default product. */
  readonly securityHub: boolean;
}

/**
 * The alert publisher: the function that sends the outbox (`alerts/pending/<resourceId>/<batch>.json`,
 * written by the transformer and the replay function alongside a batch's events, sent once they are stored) to the alert bus
 * and, when asked, to Security Hub. It runs on the bucket's `ObjectCreated` notification for the outbox
 * (seconds after a batch) and every five minutes on a schedule (the sweep: whatever a failing target left
 * pending, and the backlog metrics the alarms watch). A small reserved concurrency keeps a burst of
 * batches from fanning out; Lambda retries the throttled notifications, and the sweep catches the rest.
 *
 * The notification is added with CDK's bucket notifications custom resource, which works for a bucket
 * the pipeline creates and for one the caller brings (it adds to that bucket's notification
 * configuration and leaves the caller's own notifications in place).
 *
 * Its role may, and only may: list `alerts/pending/` and `events/` (names only: whether the event objects an
 * outbox object names are stored yet), read and delete in `alerts/pending/`, write to `alerts/unreadable/`
 * and `alerts/refused/` (where it sets aside what it cannot send), put events on the alert bus, and with
 * Security Hub on, import findings into the account's own default product for the account itself.
 */
export function alertPublisher(scope: Construct, props: DasFirehosePipelineProps, sent: AlertPublisherTargets): AlertPublisher {
  const { bucket, eventBus } = sent;
  const stack = Stack.of(scope);
  const { logGroup, role } = functionRoleAndLogs(scope, props, {
    logGroupId: 'AlertPublisherLogGroup',
    roleId: 'AlertPublisherRole',
    description: 'DAS alert publisher: sends alerts/pending/ in the audit bucket to the alert bus (and Security Hub)',
  });
  const objects = (prefix: string) => bucket.arnForObjects(`${prefix}*`);
  const statements = [
    new iam.PolicyStatement({
      sid: 'ListOutbox',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${defaults.ALERTS_PENDING_PREFIX}*`] } },
    }),
    // An outbox object is written alongside its batch's event objects: the publisher lists each one it
    // names to see that it is stored before sending. Names only: it may not read events/.
    new iam.PolicyStatement({
      sid: 'SeeEventsStored',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${defaults.EVENTS_PREFIX}*`] } },
    }),
    new iam.PolicyStatement({ sid: 'ReadAndRetireOutbox', actions: ['s3:GetObject', 's3:DeleteObject'], resources: [objects(defaults.ALERTS_PENDING_PREFIX)] }),
    new iam.PolicyStatement({
      sid: 'SetAsideOutbox',
      actions: ['s3:PutObject'],
      resources: [objects(defaults.ALERTS_UNREADABLE_PREFIX), objects(defaults.ALERTS_REFUSED_PREFIX)],
    }),
    new iam.PolicyStatement({ sid: 'PutAlertEvents', actions: ['events:PutEvents'], resources: [eventBus.eventBusArn] }),
  ];
  if (sent.securityHub) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'ImportFindings',
        actions: ['securityhub:BatchImportFindings'],
        // The account's own default product: findings of this account, about this account only.
        resources: [`arn:${stack.partition}:securityhub:${stack.region}:${stack.account}:product/${stack.account}/default`],
        conditions: { StringEquals: { 'securityhub:TargetAccount': stack.account } },
      }),
    );
  }
  for (const statement of statements) role.addToPrincipalPolicy(statement);
  bucket.encryptionKey?.grantEncryptDecrypt(role);
  const why: Record<string, string> = {
    [defaults.ALERTS_PENDING_PREFIX]: 'The outbox holds one object per batch with alerts, named by the batch; the publisher reads each and deletes it once every target has it.',
    [defaults.ALERTS_UNREADABLE_PREFIX]: 'An outbox object that does not read as an alert document is moved here, at the same path, never deleted.',
    [defaults.ALERTS_REFUSED_PREFIX]: 'An outbox object whose alerts a target refused for their content is moved here, at the same path, never deleted.',
  };
  for (const [prefix, reason] of Object.entries(why)) {
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${nagArnOf(bucket)}/${prefix}*]`, reason: `${reason} Object access is scoped to that prefix.` });
  }

  const fn = bundledFunction(scope, 'AlertPublisherFunction', props, {
    handler: 'alertPublisherHandler',
    description: 'Publishes the alert outbox (alerts/pending/ in the audit bucket) to EventBridge and, when on, Security Hub',
    runtime: defaults.FUNCTION_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    // A sweep of a long backlog stops a minute before this and leaves the rest to the next one.
    timeout: Duration.minutes(2),
    reservedConcurrentExecutions: defaults.ALERT_PUBLISHER_CONCURRENCY,
    role,
    logGroup,
    environment: {
      POWERTOOLS_SERVICE_NAME: defaults.ALERT_PUBLISHER_SERVICE_NAME,
      NODE_OPTIONS: '--enable-source-maps',
      ...settingsEnvironment({
        bucketName: bucket.bucketName,
        // The ARN rather than the name: PutEvents reaches a bus of another account by its ARN only.
        alertEventBus: eventBus.eventBusArn,
        logLevel: (props.logLevel ?? defaults.DEFAULT_LOG_LEVEL).toUpperCase(),
        metricsNamespace: props.metricsNamespace ?? defaults.DEFAULT_METRICS_NAMESPACE,
        securityHub: sent.securityHub,
      }),
    },
  });

  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn), { prefix: defaults.ALERTS_PENDING_PREFIX, suffix: '.json' });
  const sweepRule = new events.Rule(scope, 'AlertSweepSchedule', {
    description: 'Sweeps the alert outbox: sends what a failing target left pending and measures the backlog',
    schedule: events.Schedule.rate(defaults.ALERT_SWEEP_INTERVAL),
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
  });
  acknowledgeNotificationsHandler(stack);
  return { function: fn, role, logGroup, sweepRule };
}

/**
 * CDK's bucket notifications handler (one per stack, a singleton function at the stack's root) runs with
 * the Lambda basic execution policy and `s3:PutBucketNotification` on `*`: CDK's own design, acknowledged
 * where it sits.
 */
function acknowledgeNotificationsHandler(stack: Stack): void {
  const handler = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (!(handler instanceof Construct)) return;
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'CDK\'s bucket notifications custom resource handler, which adds the outbox notification; its role is CDK\'s, with the basic execution policy for its logs.',
  });
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'CDK\'s bucket notifications custom resource handler writes the notification configuration with s3:PutBucketNotification, which CDK grants on every bucket.',
  });
}
