import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { PipelineMetrics } from './metrics';
import { pipelineDashboard } from './dashboard';
import type * as events from 'aws-cdk-lib/aws-events';
import type { aws_kinesisfirehose as firehoseRefs } from 'aws-cdk-lib/interfaces';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import * as defaults from '../defaults';
import { activityStreamDelivery } from './activity-stream-delivery';
import { alertPublisher } from './alert-publisher';
import { allEventsLoader, type AllEventsLoader } from './all-events-loader';
import { alertSettings, alertEventBus, pipelineAlerts } from './alerts';
import { pipelineAlarms } from './alarms';
import { auditBucket } from './audit-bucket';
import { auditQueries, type AuditQueries } from './audit-queries';
import { replayFunction } from './replay-function';
import type { ActivityStreamDelivery, DasFirehosePipelineProps } from './props';
import { functionEnvironment, transformFunction } from './transform-function';
import { checkPipelineProps, PipelinePropsError } from './validation';

export { AlertSeverity, BuiltInAlertRule, LogLevel } from './props';
export type {
  ActivityStreamDelivery,
  AlertCondition,
  AlertEngine,
  ActivityStreamSource,
  AlertsOptions,
  AuditQueriesOptions,
  CustomAlertRule,
  DasFirehosePipelineProps,
  EncryptionContextKey,
} from './props';
export { DatabaseSources, type DatabaseSourcesProps } from './database-source';
export type { AuditQueries } from './audit-queries';
export { checkPipelineProps, PipelinePropsError, type PropName, type PropNamer, type ResolvedAlerts } from './validation';

/**
 * Database Activity Streams → Kinesis Data Firehose → transformer Lambda → S3 audit log.
 *
 * For each activity stream, a Firehose delivery stream reads the stream and invokes the shared
 * transformer, which decrypts the records and writes the events under `events/` in the audit bucket.
 * Firehose delivers the transformer's Ok records under `firehose/ok/resource=<resourceId>/` and failed
 * records under `firehose/failed/resource=<resourceId>/`. Alarms watch processing failures, function errors and
 * delivery freshness. Events matching the alert rules (privilege changes, failed logins, destructive DDL,
 * privileged users, rules of your own) are written to an outbox in the bucket once their events are
 * stored, and the alert publisher sends them to an EventBridge bus (and Security Hub when asked); they
 * are counted in CloudWatch metrics and alarmed on per rule, the outbox's backlog too; high-severity
 * ones reach the alarm topic.
 *
 * @example
 * const pipeline = new DasFirehosePipeline(this, 'Pipeline', {
 *   activityStreams: [{
 *     stream: kinesis.Stream.fromStreamArn(this, 'Stream',
 *       'arn:aws:kinesis:us-east-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL'),
 *     key: kms.Key.fromKeyArn(this, 'Key',
 *       'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
 *   }],
 *   dropUsers: ['rdsadmin'],
 * });
 * pipeline.grantReadEvents(auditorRole);
 */
export class DasFirehosePipeline extends Construct {
  /** The audit bucket: events under `events/`, Firehose output under `firehose/`, the batch journal under `journal/`. */
  public readonly bucket: s3.IBucket;
  /** The bucket that receives the audit bucket's server access logs, when the pipeline created the audit bucket. */
  public readonly accessLogsBucket?: s3.IBucket;
  /** The transformer function, shared by every delivery stream. */
  public readonly transformFunction: lambda.IFunction;
  /** The function's log group. */
  public readonly functionLogGroup: logs.ILogGroup;
  /** The log group Firehose writes delivery and processing errors to, one log stream per delivery stream. */
  public readonly deliveryLogGroup: logs.ILogGroup;
  /** One delivery per activity stream, in the order of `activityStreams`. */
  public readonly deliveries: readonly ActivityStreamDelivery[];
  /** The Firehose delivery streams, in the order of `activityStreams`. */
  public readonly deliveryStreams: readonly firehoseRefs.IDeliveryStreamRef[];
  /** Every alarm the pipeline created, the alert rules' included (none with `alarms: false`). */
  public readonly alarms: readonly cloudwatch.IAlarm[];
  /** The bus alerts are published to (none when no alert rule is in force). */
  public readonly alertEventBus?: events.IEventBus;
  /** The rule sending HIGH and CRITICAL alerts to the alarm topic (none without a topic, or with `notifyHighSeverity: false`). */
  public readonly highSeverityAlertRule?: events.IRule;
  /** The Glue database and tables, the Athena workgroup and the query policy (none with `queries: false`). */
  public readonly queries?: AuditQueries;
  /**
   * The function that sends the alert outbox (`alerts/pending/`) to the alert bus and, with
   * `alerts.securityHub`, to Security Hub: on the bucket's notification and every five minutes (none when no
   * alert rule is in force).
   */
  public readonly alertPublisherFunction?: lambda.IFunction;
  /** The function `npm run replay -- --function <name>` re-drives the error output in (none with `replay: false`). */
  public readonly replayFunction?: lambda.IFunction;
  /**
   * The loader of the columnar `all_events` table: a state machine EventBridge Scheduler starts every 15
   * minutes, running Athena MERGEs from `events/` (none with `queries: false`).
   */
  public readonly allEventsLoader?: AllEventsLoader;
  /** The CloudWatch dashboard of the pipeline's metrics (none with `dashboard: false`). */
  public readonly dashboard?: cloudwatch.Dashboard;
  private readonly metrics: PipelineMetrics;

  constructor(scope: Construct, id: string, props: DasFirehosePipelineProps) {
    super(scope, id);
    // The hardened buckets rely on these, whatever the app around the construct sets: server access
    // logs delivered through a bucket policy (an ACL would clash with bucket-owner-enforced ownership).
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    this.node.setContext(cxapi.S3_CREATE_DEFAULT_LOGGING_POLICY, true);
    const { problems, sources, alerts } = checkPipelineProps(props);
    if (problems.length > 0) throw new PipelinePropsError(problems, this.node.path);

    const audit = auditBucket(this, props);
    this.bucket = audit.bucket;
    this.accessLogsBucket = audit.accessLogsBucket;

    const alerting = alerts.rules.length > 0;
    this.alertEventBus = alerting ? alertEventBus(this, alerts) : undefined;
    // One environment for both functions: the replay function runs the transformer, alerts included.
    const environment = functionEnvironment(props, sources, this.bucket.bucketName, alertSettings(alerts));

    const fn = transformFunction(this, props, sources, this.bucket, environment);
    this.transformFunction = fn.function;
    this.functionLogGroup = fn.logGroup;

    const deliveryLogGroup = new logs.LogGroup(this, 'DeliveryLogGroup', {
      retention: props.logRetention ?? defaults.DEFAULT_LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deliveryLogGroup = deliveryLogGroup;
    this.deliveries = sources.map((source) =>
      activityStreamDelivery(this, props, source, { bucket: this.bucket, transformFunction: this.transformFunction, logGroup: deliveryLogGroup }),
    );
    this.deliveryStreams = this.deliveries.map((delivery) => delivery.deliveryStream);

    const replay = props.replay === false ? undefined : replayFunction(this, props, sources, this.bucket, environment);
    this.replayFunction = replay?.function;

    this.queries =
      props.queries === false
        ? undefined
        : auditQueries(this, typeof props.queries === 'object' ? props.queries : {}, this.bucket, sources.map((source) => source.resourceId), {
            ...(audit.accessLogsBucket ? { accessLogsBucket: audit.accessLogsBucket } : {}),
            ...(props.bucketRemovalPolicy ? { removalPolicy: props.bucketRemovalPolicy } : {}),
          });

    this.allEventsLoader = this.queries
      ? allEventsLoader(this, props, {
          auditBucket: this.bucket,
          tableBucket: this.queries.allEvents.tableBucket,
          resultsBucket: this.queries.resultsBucket,
          databaseName: this.queries.databaseName,
          workGroupName: this.queries.workGroupName,
          resourceIds: sources.map((source) => source.resourceId),
        })
      : undefined;

    this.metrics = new PipelineMetrics(props.metricsNamespace ?? defaults.DEFAULT_METRICS_NAMESPACE, {
      bucket: this.bucket,
      ...(audit.errorOutputMetricsId ? { errorOutputMetricsId: audit.errorOutputMetricsId } : {}),
      transformFunction: this.transformFunction,
      deliveries: this.deliveries,
    });
    const alarms = props.alarms === false ? [] : pipelineAlarms(this, props, this.metrics, { deliveries: this.deliveries, extra: this.allEventsLoader?.alarm ? [this.allEventsLoader.alarm] : [] });
    this.dashboard =
      props.dashboard === false
        ? undefined
        : pipelineDashboard(this, this.metrics, props.metricsNamespace ?? defaults.DEFAULT_METRICS_NAMESPACE, this.deliveries);
    // The transformer and the replay function write alerts to the outbox; only the publisher sends them.
    const publisher = this.alertEventBus
      ? alertPublisher(this, props, { bucket: this.bucket, eventBus: this.alertEventBus, securityHub: alerts.securityHub })
      : undefined;
    this.alertPublisherFunction = publisher?.function;
    // The publisher is updated before the functions that write the outbox: an outbox object written
    // alongside its events must meet a publisher that waits for them (an older one sent on sight).
    if (publisher) for (const writer of replay ? [fn.function, replay.function] : [fn.function]) writer.node.addDependency(publisher.function);
    const alerted =
      this.alertEventBus && publisher
        ? pipelineAlerts(
            this,
            props,
            alerts,
            this.alertEventBus,
            { bucket: this.bucket, writers: replay ? [fn.role, replay.role] : [fn.role], publisher: publisher.function },
            this.metrics,
          )
        : undefined;
    this.highSeverityAlertRule = alerted?.highSeverityRule;
    this.alarms = [...alarms, ...(alerted?.alarms ?? [])];
  }

  /**
   * A metric of the transformer's namespace (`metricsNamespace`) by name, with the `service` dimension
   * every one of them carries; the named methods below cover what the pipeline emits.
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(metricName, {}, props);
  }

  /**
   * Events stored in the audit log (sum): in all, of one database (`resourceId`), or of one event class
   * of one database (`eventClass`, as the metrics name it: upper case, e.g. `DDL`, `MAIN`).
   */
  metricEvents(filter?: { readonly resourceId?: string; readonly eventClass?: string }, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.events(filter, props);
  }

  /** Matches of one alert rule (sum), of one database when given: what the rule's alarm watches. */
  metricAlertMatches(rule: string, filter?: { readonly resourceId?: string }, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.alertMatches({ rule, ...filter }, props);
  }

  /** Records the transformer answered ProcessingFailed (sum), kept with their data in the error output. */
  metricRecordsFailed(filter?: { readonly resourceId?: string }, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.recordsFailed(filter, props);
  }

  /**
   * Objects Firehose wrote to its error output (sum), from the audit bucket's request-metrics filter;
   * undefined when the pipeline was given a bucket of the caller's.
   */
  metricErrorOutputObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric | undefined {
    return this.metrics.errorOutputObjects(props);
  }

  /** The age in seconds of the oldest record a delivery stream has yet to deliver (maximum); the first database's by default. */
  metricDeliveryFreshness(resourceId?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.deliveryFreshness(resourceId, props);
  }

  /** The transformer's errors (sum): each is a batch Firehose retries. */
  metricFunctionErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.functionErrors(props);
  }

  /** The transformer's duration per batch (p99). */
  metricFunctionDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.functionDuration(props);
  }

  /** Lets the grantee list and read the audit log (`events/`), and nothing else in the bucket. */
  grantReadEvents(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantRead(grantee, `${defaults.EVENTS_PREFIX}*`);
  }

  /**
   * Lets the grantee run queries over the audit log in the pipeline's Athena workgroup: the workgroup's
   * query actions, the Glue database and tables, reading `events/` and the `all_events` table's files,
   * writing and reading query results. The same as attaching `queries.queryPolicy`.
   */
  grantQuery(grantee: iam.IGrantable): iam.Grant {
    if (!this.queries) throw new PipelinePropsError(['grantQuery needs the pipeline\'s queries; it was built with queries: false.'], this.node.path);
    const grants = this.queries.queryStatements.map((statement) => iam.Grant.addToPrincipal({ grantee, actions: statement.actions, resourceArns: statement.resources, ...(statement.conditions ? { conditions: statement.conditions } : {}) }));
    return grants.reduce((all, grant) => all.combine(grant));
  }

  /** Lets the grantee run the re-drive (`npm run replay -- --function <name>`): invoking the replay function, nothing else. */
  grantReplay(grantee: iam.IGrantable): iam.Grant {
    if (!this.replayFunction) throw new PipelinePropsError(['grantReplay needs the pipeline\'s replay function; it was built with replay: false.'], this.node.path);
    return this.replayFunction.grantInvoke(grantee);
  }

  /**
   * Lets the grantee list and read Firehose's output (`firehose/`: its copy of the events and its error
   * output), for an operator looking into failures.
   */
  grantReadFirehoseOutput(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantRead(grantee, `${defaults.FIREHOSE_PREFIX}*`);
  }
}
