import { Annotations, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
// What the transformer puts on the bus, from the publisher itself: the rule below matches exactly that.
import { ALERT_DETAIL_TYPE, ALERT_SOURCE } from '../../lambda/core/alerts/alerts';
import type { SettingValues } from '../../lambda/settings/definitions';
import * as defaults from '../defaults';
import type { DasFirehosePipelineProps } from './props';
import type { PipelineMetrics } from './metrics';
import type { ResolvedAlerts } from './resolved';

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
 * The settings that tell the transformer (and the replay function) which rules are in force and where
 * their matches go. The transformer's built-in rules are on unless disabled, so with alerting off every
 * one is disabled: a function with no rule makes no EventBridge call.
 */
export function alertSettings(alerts: ResolvedAlerts, eventBusArn: string | undefined): SettingValues {
  const values: SettingValues = { alertsDisabled: alerts.disabledRules };
  if (alerts.rules.length === 0) return values;
  return {
    ...values,
    privilegedUsers: alerts.privilegedUsers,
    ...(alerts.customRules.length > 0 ? { alertCustomRules: alerts.customRules } : {}),
    ...(alerts.sqlTextChars > 0 ? { alertSqlTextChars: alerts.sqlTextChars } : {}),
    // The ARN rather than the name: PutEvents reaches a bus of another account by its ARN only.
    ...(eventBusArn !== undefined ? { alertEventBus: eventBusArn } : {}),
  };
}

/** The bus alerts go to: the caller's, or the account's default bus in the stack's region. */
export function alertEventBus(scope: Construct, alerts: ResolvedAlerts): events.IEventBus {
  return alerts.eventBus ?? events.EventBus.fromEventBusName(scope, 'DefaultEventBus', 'default');
}

/**
 * The alerting resources, in a scope of their own (`Alerts`): `events:PutEvents` on the bus for the
 * functions that raise alerts, one alarm per rule on the `AlertMatches` metric, and the rule sending
 * high-severity alerts to the alarm topic.
 */
export function pipelineAlerts(
  scope: Construct,
  props: DasFirehosePipelineProps,
  alerts: ResolvedAlerts,
  eventBus: events.IEventBus,
  publishers: readonly iam.IGrantable[],
  metrics: PipelineMetrics,
): PipelineAlerts {
  for (const publisher of publishers) eventBus.grantPutEventsTo(publisher);
  const alertsScope = new Construct(scope, 'Alerts');
  const topic = props.alarmTopic;
  const alarms = props.alarms === false ? [] : ruleAlarms(alertsScope, props, alerts, eventBus, metrics);
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
  rule.addTarget(new targets.SnsTopic(topic, { message: events.RuleTargetInput.fromText(message) }));
  // The rule and the topic are deployed together (or the topic is imported into the stack's own account
  // and region): the warning is about cross-environment targets, which this is not.
  Annotations.of(rule).acknowledgeWarning(
    '@aws-cdk/aws-events:ruleUnresolvedEnvironment',
    'The rule and its topic target are in the same stack, account and region',
  );
  return rule;
}
