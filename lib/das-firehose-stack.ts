import { Aws, CfnOutput, CfnRule, Duration, Fn, Size, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ContextError, CONTEXT_KEY_OF, type DasFirehoseSettings, type DatabaseSettings } from './context';
import {
  checkPipelineProps,
  DasFirehosePipeline,
  type ActivityStreamSource,
  type BuiltInAlertRule,
  type CustomAlertRule,
  type DasFirehosePipelineProps,
  type LogLevel,
} from './das-firehose-pipeline';
import { DatabaseSources } from './das-firehose-pipeline/database-source';
import * as defaults from './defaults';

/** Properties of a {@link DasFirehoseStack}. */
export interface DasFirehoseStackProps extends StackProps {
  /** The parsed context, from `settingsFromContext`. */
  readonly settings: DasFirehoseSettings;
}

/**
 * The deployable app: the {@link DasFirehosePipeline} for the activity streams the context names,
 * an optional alarm topic, and the outputs an operator needs. Environment-agnostic: no lookups.
 *
 * It turns the parsed context into the construct's props and reports the construct's own checks under
 * the context keys' names (one {@link ContextError} for all problems); it does not restate them.
 */
export class DasFirehoseStack extends Stack {
  public readonly pipeline: DasFirehosePipeline;

  constructor(scope: Construct, id: string, props: DasFirehoseStackProps) {
    super(scope, id, props);
    const { settings } = props;

    // Imports only: the streams and keys belong to RDS and the database team. With `database`, a custom
    // resource per database finds them at deployment (and starts the stream when asked).
    const databases = settings.database ? this.databaseSources(settings.database, settings.logRetentionDays) : undefined;
    const activityStreams: ActivityStreamSource[] = databases
      ? [...databases.sources]
      : settings.activityStreams.map((source, index) => ({
          stream: kinesis.Stream.fromStreamArn(this, `ActivityStream${index}`, source.streamArn),
          key: kms.Key.fromKeyArn(this, `ActivityStreamKey${index}`, source.keyArn),
          resourceId: source.resourceId,
        }));

    const alarmTopic = this.alarmTopic(settings);

    const pipelineProps: DasFirehosePipelineProps = {
      activityStreams,
      dropClasses: settings.dropClasses,
      dropCommands: settings.dropCommands,
      dropUsers: settings.dropUsers,
      transitionAfter: days(settings.transitionAfterDays),
      expireAfter: days(settings.expireAfterDays),
      noncurrentVersionExpiration: days(settings.noncurrentExpireAfterDays),
      accessLogsExpiration: days(settings.accessLogsExpireAfterDays),
      journalExpiration: days(settings.journalExpireAfterDays),
      objectLockRetention: settings.objectLock
        ? settings.objectLock.mode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(Duration.days(settings.objectLock.days))
          : s3.ObjectLockRetention.governance(Duration.days(settings.objectLock.days))
        : undefined,
      logRetention: settings.logRetentionDays,
      functionMemorySize: settings.functionMemoryMb,
      // Context is text: the construct checks the value (and says which key to fix) at synth.
      logLevel: settings.logLevel as LogLevel | undefined,
      decryptFastPath: settings.decryptFastPath,
      alarmTopic,
      replay: settings.replay,
      dashboard: settings.dashboard,
      queries:
        settings.queries === false
          ? false
          : settings.queryBytesScannedCutoffGb !== undefined
            ? { bytesScannedCutoffPerQuery: Size.gibibytes(settings.queryBytesScannedCutoffGb) }
            : true,
      alerts:
        settings.alerts === false
          ? false
          : {
              disabledRules: settings.alertsDisabled as BuiltInAlertRule[] | undefined,
              privilegedUsers: settings.privilegedUsers,
              // Whatever the JSON holds: the construct checks it with the transformer's own rule parser.
              customRules: settings.alertRules as CustomAlertRule[] | undefined,
              thresholds: settings.alertThresholds,
              eventBus: this.alertEventBus(settings),
              sqlTextChars: settings.alertSqlTextChars,
              securityHub: settings.securityHub,
            },
    };
    const { problems } = checkPipelineProps(pipelineProps, (prop) => (prop === 'activityStreams' && databases ? 'database' : (CONTEXT_KEY_OF[prop] ?? prop)));
    if (problems.length > 0) throw new ContextError(problems);
    this.pipeline = new DasFirehosePipeline(this, 'Pipeline', pipelineProps);

    // Firehose reads a Kinesis stream in its own region only: stop a deployment elsewhere early,
    // with a message, instead of failing on the delivery stream. (Databases named by identifier only
    // are found in the region the stack deploys to.)
    if (settings.region !== '') new CfnRule(this, 'DeployInStreamRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, settings.region),
          assertDescription: `Deploy this stack in ${settings.region}, the region of the database activity stream.`,
        },
      ],
    });

    const bucketName = this.pipeline.bucket.bucketName;
    new CfnOutput(this, 'BucketName', {
      description: 'The audit bucket. Browse the events with: aws s3 ls s3://<bucket>/events/',
      value: bucketName,
    });
    new CfnOutput(this, 'EventsConsoleUrl', {
      description: 'The events/ prefix of the audit bucket in the S3 console',
      value: `https://s3.console.aws.amazon.com/s3/buckets/${bucketName}?region=${Aws.REGION}&prefix=${defaults.EVENTS_PREFIX}&showversions=false`,
    });
    new CfnOutput(this, 'DeliveryStreamName', {
      description: 'The Firehose delivery stream(s), comma-separated in dasStreamArn order when there are several',
      value: Fn.join(',', this.pipeline.deliveryStreams.map((stream) => stream.deliveryStreamRef.deliveryStreamName)),
    });
    new CfnOutput(this, 'TransformFunctionName', {
      description: 'The transformer Lambda function',
      value: this.pipeline.transformFunction.functionName,
    });
    new CfnOutput(this, 'FunctionLogGroupName', {
      description: 'The transformer\'s CloudWatch log group',
      value: this.pipeline.functionLogGroup.logGroupName,
    });
    if (this.pipeline.replayFunction) {
      new CfnOutput(this, 'ReplayFunctionName', {
        description: 'Re-drives the error output once its cause is fixed: npm run replay -- --function <this>',
        value: this.pipeline.replayFunction.functionName,
      });
    }
    const queries = this.pipeline.queries;
    if (queries) {
      new CfnOutput(this, 'QueryWorkGroup', {
        description: 'The Athena workgroup: aws athena start-query-execution --work-group <this> --query-string …',
        value: queries.workGroupName,
      });
      new CfnOutput(this, 'GlueDatabaseName', {
        description: 'The Glue database of the events and events_by_command tables',
        value: queries.databaseName,
      });
      if (this.pipeline.allEventsLoader) {
        new CfnOutput(this, 'AllEventsLoaderArn', {
          description: 'Loads events/ into all_events every 15 minutes; backfill: aws stepfunctions start-execution --state-machine-arn <this> --input \'{"from":"YYYY-MM-DD","to":"YYYY-MM-DD"}\'',
          value: this.pipeline.allEventsLoader.stateMachine.stateMachineArn,
        });
      }
      new CfnOutput(this, 'QueryPolicyArn', {
        description: 'Attach to an auditor\'s role or user: run queries in the workgroup over the audit log, and nothing else',
        value: queries.queryPolicy.managedPolicyArn,
      });
    }
    if (this.pipeline.dashboard) {
      new CfnOutput(this, 'DashboardName', {
        description: 'The CloudWatch dashboard of the pipeline: events per minute, alert matches, failures, delivery freshness',
        value: this.pipeline.dashboard.dashboardName,
      });
    }
    new CfnOutput(this, 'DeliveryLogGroupName', {
      description: 'The log group of Firehose delivery and processing errors',
      value: this.pipeline.deliveryLogGroup.logGroupName,
    });
    if (this.pipeline.alertEventBus) {
      new CfnOutput(this, 'AlertEventBusName', {
        description: 'The EventBridge bus alerts go to (source das-firehose, detail-type "Database activity alert"): add rules of your own on it',
        value: this.pipeline.alertEventBus.eventBusName,
      });
    }
    if (this.pipeline.highSeverityAlertRule) {
      new CfnOutput(this, 'HighSeverityAlertRuleName', {
        description: 'The EventBridge rule that sends HIGH and CRITICAL alerts to the alarm topic',
        value: this.pipeline.highSeverityAlertRule.ruleName,
      });
    }
  }

  /** The custom resources that find the databases' activity streams at deployment. */
  private databaseSources(database: DatabaseSettings, logRetention: DasFirehoseSettings['logRetentionDays']): DatabaseSources {
    return new DatabaseSources(this, 'DatabaseSources', {
      databases: database.databases,
      startActivityStream: database.startActivityStream,
      activityStreamMode: database.mode,
      activityStreamKey: database.keyArn ? kms.Key.fromKeyArn(this, 'ActivityStreamStartKey', database.keyArn) : undefined,
      stopActivityStreamOnDelete: database.stopOnDelete,
      logRetention,
    });
  }

  /** The bus the context asks for: undefined for the account's default bus, which the construct picks itself. */
  private alertEventBus(settings: DasFirehoseSettings): events.IEventBus | undefined {
    const bus = settings.alertEventBus;
    switch (bus?.kind) {
      case 'create':
        return new events.EventBus(this, 'AlertEventBus', { description: 'das-firehose database activity alerts' });
      case 'name':
        return events.EventBus.fromEventBusName(this, 'AlertEventBus', bus.name);
      case 'arn':
        return events.EventBus.fromEventBusArn(this, 'AlertEventBus', bus.arn);
      default:
        return undefined;
    }
  }

  private alarmTopic(settings: DasFirehoseSettings): sns.ITopic | undefined {
    if (settings.alarmTopicArn) return sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn);
    if (!settings.alarmEmail) return undefined;
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'das-firehose alarms', enforceSSL: true });
    topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'The topic carries alarm state changes (alarm name, metric, threshold) and one-line summaries of high-severity ' +
        'alerts (rule, database, command, user, host, object key), never SQL text or parameters, and it is delivered ' +
        'by e-mail in clear anyway. CloudWatch and EventBridge cannot publish to a topic encrypted with the AWS managed ' +
        'SNS key, so encryption would need a customer managed key and key policy for no confidentiality gain.',
    });
    return topic;
  }
}

function days(value: number | undefined): Duration | undefined {
  return value === undefined ? undefined : Duration.days(value);
}
