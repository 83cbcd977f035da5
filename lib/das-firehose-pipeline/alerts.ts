import { Annotations, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
// What the transformer puts on the bus, from the publisher itself: the rule below matches exactly that.
import { ALERT_DETAIL_TYPE, ALERT_SOURCE } from '../../lambda/core/alerts/alerts';
import type { SettingValues } from '../../lambda/settings/definitions';
import * as defaults from '../defaults';
import type { DasFirehosePipelineProps } from './props';
import type { PipelineMetrics } from './metrics';
import type { ResolvedAlerts } from './resolved';
import { nagArnOf } from './transform-function';

/** The severities the ready-made rule sends to the alarm topic. */
export const NOTIFIED_SEVERITIES = ['HIGH', 'CRITICAL'] as const;

/** What the pipeline built for alerting, when some rule is in force. */
export interface PipelineAlerts {
  /** One alarm per rule with a threshold above 0 (none with `alarms: false`). */
  readonly alarms: cloudwatch.Alarm[];
  /** The rule sending HIGH and CRITICAL alerts to the alarm topic, when there is a topic and it is wanted. */
  readonly highSeverityRule?: events.Rule;
}

/**
 * The settings that tell the transformer (and the replay function) which rules are in force. The
 * transformer's built-in rules are on unless disabled, so with alerting off every one is disabled: a
 * function with no rule writes no outbox object. Where alerts go is the alert publisher's setting only:
 * the transformer never talks to the bus.
 */
export function alertSettings(alerts: ResolvedAlerts): SettingValues {
  const values: SettingValues = { alertsDisabled: alerts.disabledRules };
  if (alerts.rules.length === 0) return values;
  return {
    ...values,
    privilegedUsers: alerts.privilegedUsers,
    ...(alerts.customRules.length > 0 ? { alertCustomRules: alerts.customRules } : {}),
    ...(alerts.sqlTextChars > 0 ? { alertSqlTextChars: alerts.sqlTextChars } : {}),
  };
}

/** The bus alerts go to: the caller's, or the account's default bus in the stack's region. */
export function alertEventBus(scope: Construct, alerts: ResolvedAlerts): events.IEventBus {
  return alerts.eventBus ?? events.EventBus.fromEventBusName(scope, 'DefaultEventBus', 'default');
}

/** What raises alerts and what sends them. */
export interface AlertParties {
  readonly bucket: s3.IBucket;
  /** The roles of the functions that raise alerts (the transformer, the replay function): they write the outbox. */
  readonly writers: readonly iam.IRole[];
  /** The alert publisher, whose backlog is alarmed on. */
  readonly publisher: lambda.IFunction;
}

/**
 * The alerting resources, in a scope of their own (`Alerts`): writing and rolling back the outbox for the
 * functions that raise alerts (never `events:PutEvents`: only the publisher talks to the bus), one alarm
 * per rule on the `AlertMatches` metric, the publisher's backlog alarms, and the rule sending
 * high-severity alerts to the alarm topic.
 */
export function pipelineAlerts(
  scope: Construct,
  props: DasFirehosePipelineProps,
  alerts: ResolvedAlerts,
  eventBus: events.IEventBus,
  parties: AlertParties,
  metrics: PipelineMetrics,
): PipelineAlerts {
  for (const writer of parties.writers) grantOutboxWrite(writer, parties.bucket);
  const alertsScope = new Construct(scope, 'Alerts');
  const topic = props.alarmTopic;
  const alarms = props.alarms === false ? [] : [...ruleAlarms(alertsScope, props, alerts, eventBus, metrics), ...backlogAlarms(alertsScope, props)];
  if (topic) {
    const action = new cloudwatchActions.SnsAction(topic);
    for (const alarm of alarms) alarm.addAlarmAction(action);
  }
  const highSeverityRule = topic && alerts.notifyHighSeverity ? notifyRule(alertsScope, eventBus, topic) : undefined;
  return { alarms, ...(highSeverityRule ? { highSeverityRule } : {}) };
}

/**
 * An alarm per rule in force on the transformer's `AlertMatches` metric, by rule only: Powertools adds
 * the `service` dimension to every metric, so the alarm names it too. The metric by database
 * (`Resource`, `Rule`) is there to look into an alarm, not to alarm on: the alarms stay one per rule
 * however many databases the pipeline serves.
 */
function ruleAlarms(scope: Construct, props: DasFirehosePipelineProps, alerts: ResolvedAlerts, eventBus: events.IEventBus, metrics: PipelineMetrics): cloudwatch.Alarm[] {
  const namespace = props.metricsNamespace ?? defaults.DEFAULT_METRICS_NAMESPACE;
  const alarms: cloudwatch.Alarm[] = [];
  for (const rule of alerts.rules) {
    const threshold = alerts.thresholds.get(rule.id) ?? defaults.DEFAULT_ALERT_THRESHOLD;
    if (threshold === 0) continue;
    const description =
      `${rule.severity}: ${rule.description}. At least ${threshold} event${threshold === 1 ? '' : 's'} matched alert rule ${rule.id} ` +
      `in ${defaults.ALERT_ALARM_PERIOD.toMinutes()} minutes. Each match is an event on the EventBridge bus ${eventBus.eventBusName} ` +
      `(source ${ALERT_SOURCE}, detail.rule ${rule.id}) with the database, user, host and the S3 key of the stored event; ` +
      `${namespace} AlertMatches by Resource and Rule says which database.`;
    alarms.push(
      new cloudwatch.Alarm(scope, `${rule.id}Alarm`, {
        // CloudWatch takes at most 1024 characters; a long list of privileged users could pass that.
        alarmDescription: description.length > 1024 ? `${description.slice(0, 1023)}…` : description,
        metric: metrics.alertMatches({ rule: rule.id }, { period: defaults.ALERT_ALARM_PERIOD }),
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No match, no data point: that is the quiet state.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
  return alarms;
}

/**
 * Sends each HIGH or CRITICAL alert to the topic as one line a person reads in an e-mail. Built from the
 * event's fields by an input transformer, and never from `commandText`: the SQL text stays on the bus
 * (when an operator opted in), out of mailboxes.
 */
function notifyRule(scope: Construct, eventBus: events.IEventBus, topic: sns.ITopic): events.Rule {
  const field = (name: string) => events.EventField.fromPath(`$.detail.${name}`);
  const message =
    `[${field('severity')}] ${field('rule')} on ${field('resourceId')} (${field('engine')}): ${field('description')}. ` +
    `Command ${field('command')} by user ${field('dbUserName')} from ${field('remoteHost')} at ${field('eventTime')}. ` +
    `Stored at ${field('s3Uri')} (alert ${field('alertId')}).`;
  const rule = new events.Rule(scope, 'HighSeverityRule', {
    description: `Sends ${NOTIFIED_SEVERITIES.join(' and ')} database activity alerts of ${Stack.of(scope).stackName} to the alarm topic`,
    eventBus,
    eventPattern: {
      source: [ALERT_SOURCE],
      detailType: [ALERT_DETAIL_TYPE],
      detail: { severity: [...NOTIFIED_SEVERITIES] },
    },
  });
  rule.addTarget(new RuleOnlySnsTopic(topic, events.RuleTargetInput.fromText(message)));
  // The rule and the topic are deployed together (or the topic is imported into the stack's own account
  // and region): the warning is about cross-environment targets, which this is not.
  Annotations.of(rule).acknowledgeWarning(
    '@aws-cdk/aws-events:ruleUnresolvedEnvironment',
    'The rule and its topic target are in the same stack, account and region',
  );
  return rule;
}

/**
 * The transformer and the replay function write a batch's alerts to `alerts/pending/` alongside its event
 * objects (the publisher sends them once those are stored), and delete that object when they roll the
 * batch back.
 */
function grantOutboxWrite(role: iam.IRole, bucket: s3.IBucket): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'WriteAlertOutbox', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [bucket.arnForObjects(`${defaults.ALERTS_PENDING_PREFIX}*`)] }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArnOf(bucket)}/${defaults.ALERTS_PENDING_PREFIX}*]`,
    reason: 'One outbox object per batch with alerts, named by the batch, written alongside its events and deleted when the batch is rolled back; scoped to alerts/pending/.',
  });
}

/**
 * The publisher's backlog: the oldest alert waiting (a sweep measures it every five minutes, so no data
 * means no sweep ran: that breaches too), and alerts a target refused or outbox objects that could not be
 * read (set aside under `alerts/refused/` and `alerts/unreadable/`, never retried on their own).
 */
function backlogAlarms(scope: Construct, props: DasFirehosePipelineProps): cloudwatch.Alarm[] {
  const namespace = props.metricsNamespace ?? defaults.DEFAULT_METRICS_NAMESPACE;
  const metric = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({ namespace, metricName, dimensionsMap: { service: defaults.ALERT_PUBLISHER_SERVICE_NAME }, statistic, period: defaults.ALERT_SWEEP_INTERVAL });
  const maxAge = defaults.ALERT_BACKLOG_MAX_AGE;
  const anySetAside = (metricName: string, what: string) =>
    new cloudwatch.Alarm(scope, `${metricName}Alarm`, {
      alarmDescription: `${what} See the alert publisher's log group for the keys and reasons (docs/operations.md: Alerts).`,
      metric: metric(metricName, cloudwatch.Stats.SUM),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  return [
    new cloudwatch.Alarm(scope, 'AlertBacklogAlarm', {
      alarmDescription:
        `Alerts have waited more than ${maxAge.toMinutes()} minutes in s3://<bucket>/${defaults.ALERTS_PENDING_PREFIX} (OldestAlertAgeSeconds), ` +
        'or the sweep has not run: a target (the alert bus, Security Hub) is failing or refusing the publisher. The events are stored; ' +
        'the alerts go out once the target answers. See the alert publisher\'s log group.',
      metric: metric('OldestAlertAgeSeconds', cloudwatch.Stats.MAXIMUM),
      threshold: maxAge.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }),
    anySetAside('AlertsRefused', `A target refused alerts for their content; their outbox objects are in s3://<bucket>/${defaults.ALERTS_REFUSED_PREFIX}.`),
    anySetAside('AlertOutboxUnreadable', `Outbox objects did not read as alerts and were moved to s3://<bucket>/${defaults.ALERTS_UNREADABLE_PREFIX}.`),
  ];
}

/**
 * The alarm topic as a rule's target, publishable by EventBridge for this rule only. The SnsTopic target
 * of aws-events-targets lets `events.amazonaws.com` publish with no condition, so that any account's rule
 * could put messages into the on-call mailbox; this one names the rule (`aws:SourceArn`). A topic the
 * caller brings keeps its own policy (CDK cannot add to an imported topic's): scope it the same way.
 */
class RuleOnlySnsTopic implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly message: events.RuleTargetInput,
  ) {}

  bind(rule: events.IRule): events.RuleTargetConfig {
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'HighSeverityAlertRuleOnly',
        actions: ['sns:Publish'],
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        resources: [this.topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
    return { arn: this.topic.topicArn, input: this.message };
  }
}
