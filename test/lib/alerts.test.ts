import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { loadConfig } from '../../lambda/config';
import { BUILT_IN_RULE_IDS } from '../../lambda/core/alerts/alert-rules';
import { ContextError, settingsFromContext } from '../../lib/context';
import { DasFirehosePipeline, type CustomAlertRule, type DasFirehosePipelineProps } from '../../lib/das-firehose-pipeline';
import { DasFirehoseStack } from '../../lib/das-firehose-stack';
import { KEY_ARN, STREAM_ARN, synthApp } from './synth-app';

type Json = any;  

const BASE = { dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN };
const DEFAULT_BUS_ARN = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']],
};
const CUSTOM_RULE: CustomAlertRule = {
  id: 'audit-schema-touched',
  severity: 'HIGH',
  description: 'Someone touched the audit schema',
  when: { field: 'objectName', startsWith: ['audit.'] },
};

/** Every statement granting events:PutEvents, whoever has it. */
function putEventsStatements(template: Template): Json[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((policy: Json) => policy.Properties.PolicyDocument.Statement as Json[])
    .filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith('events:')));
}

/** The roles a statement list is attached to, by policy: the logical IDs of the roles holding PutEvents. */
function rolesWithPutEvents(template: Template): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy: Json) => JSON.stringify(policy.Properties.PolicyDocument).includes('events:PutEvents'))
    .flatMap((policy: Json) => policy.Properties.Roles.map((role: Json) => role.Ref as string))
    .sort();
}

/** The alert alarms, by the rule they watch. */
function alertAlarms(template: Template): Record<string, Json> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .filter((alarm: Json) => alarm.Properties.MetricName === 'AlertMatches')
      .map((alarm: Json) => [alarm.Properties.Dimensions.find((dimension: Json) => dimension.Name === 'Rule').Value, alarm.Properties]),
  );
}

/** The functions that raise alerts: the transformer and the replay function, in that order (not CDK's notifications handler). */
function functionsOf(template: Template): Json[] {
  return Object.values(template.findResources('AWS::Lambda::Function')).filter(
    (fn: Json) => ['index.handler', 'index.replayHandler'].includes(fn.Properties.Handler) && fn.Properties.Environment !== undefined,
  );
}

/** The alert publisher function, the one that sends the outbox. */
function publisherOf(template: Template): Json {
  const found = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn: Json) => fn.Properties.Handler === 'index.alertPublisherHandler');
  expect(found).toHaveLength(1);
  return found[0];
}

/** The rules on an event bus (the sweep's schedule is not one). */
function busRules(template: Template): Record<string, Json> {
  return Object.fromEntries(Object.entries(template.findResources('AWS::Events::Rule')).filter(([, rule]: [string, Json]) => rule.Properties.EventPattern !== undefined));
}

/** The environment as the function would see it, with values resolved at deployment stood in for. */
function literalEnvironment(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : 'resolved-at-deployment']));
}

/** The ContextError message of a context, as bin/app.ts reports it. */
function contextError(context: Record<string, unknown>): string {
  try {
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    new DasFirehoseStack(app, 'DasFirehose', { settings: settingsFromContext(app.node) });
  } catch (error) {
    expect(error).toBeInstanceOf(ContextError);
    return (error as Error).message;
  }
  throw new Error('expected a ContextError');
}

/** Builds a pipeline in a stack of the caller's (a new one each call), with these props, and gives its template. */
function pipeline(props: Partial<DasFirehosePipelineProps> | ((stack: Stack) => Partial<DasFirehosePipelineProps>)): () => Template {
  return () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'TheirStack');
    new DasFirehosePipeline(stack, 'Audit', {
      activityStreams: [{ stream: kinesis.Stream.fromStreamArn(stack, 'S', STREAM_ARN), key: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }],
      ...(typeof props === 'function' ? props(stack) : props),
    });
    return Template.fromStack(stack);
  };
}

describe('alerts in the stack, by default', () => {
  let template: Template;
  let topicId: string;

  beforeAll(() => {
    ({ template } = synthApp({ ...BASE, alarmEmail: 'dba@example.com' }));
    topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0] as string;
  });

  it('lets only the alert publisher put events, on the default bus: the transformer and the replay function cannot', () => {
    expect(putEventsStatements(template)).toEqual([{ Sid: 'PutAlertEvents', Action: 'events:PutEvents', Effect: 'Allow', Resource: DEFAULT_BUS_ARN }]);
    expect(rolesWithPutEvents(template)).toEqual([publisherOf(template).Properties.Role['Fn::GetAtt'][0]]);
    for (const fn of functionsOf(template)) expect(rolesWithPutEvents(template)).not.toContain(fn.Properties.Role['Fn::GetAtt'][0]);
  });

  it('tells both functions the metrics namespace but not the bus, and carries no SQL text; the publisher gets the bus', () => {
    const [transformer, replay] = functionsOf(template).map((fn) => fn.Properties.Environment.Variables);
    expect(replay).toEqual(transformer);
    expect(transformer).toMatchObject({ METRICS_NAMESPACE: 'DasFirehose', POWERTOOLS_SERVICE_NAME: 'das-firehose' });
    for (const variable of ['ALERT_EVENT_BUS', 'ALERTS_DISABLED', 'PRIVILEGED_USERS', 'ALERT_CUSTOM_RULES', 'ALERT_SQL_TEXT_CHARS']) expect(transformer[variable]).toBeUndefined();
    expect(publisherOf(template).Properties.Environment.Variables.ALERT_EVENT_BUS).toEqual(DEFAULT_BUS_ARN);
  });

  it('alarms once per rule in force on AlertMatches by service and rule, failed logins at 5, notifying the alarm topic', () => {
    const alarms = alertAlarms(template);
    // privileged-user-activity is in force only once privileged users are named.
    expect(Object.keys(alarms).sort()).toEqual(['destructive-ddl', 'failed-login', 'privilege-change']);
    expect(Object.fromEntries(Object.entries(alarms).map(([rule, alarm]) => [rule, alarm.Threshold]))).toEqual({
      'destructive-ddl': 1,
      'failed-login': 5,
      'privilege-change': 1,
    });
    for (const [rule, alarm] of Object.entries(alarms)) {
      expect(alarm).toMatchObject({
        Namespace: 'DasFirehose',
        MetricName: 'AlertMatches',
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId }],
      });
      // The dimensions Powertools writes: its service dimension and the rule, nothing of high cardinality.
      expect(alarm.Dimensions).toEqual(expect.arrayContaining([{ Name: 'service', Value: 'das-firehose' }, { Name: 'Rule', Value: rule }]));
      expect(alarm.Dimensions).toHaveLength(2);
      expect(alarm.AlarmDescription).toContain(rule);
    }
  });

  it('sends HIGH and CRITICAL alerts to the alarm topic as one readable line, never with SQL text', () => {
    const rules = Object.values(busRules(template)).map((rule: Json) => rule.Properties);
    expect(rules).toHaveLength(1);
    const rule = rules[0];
    expect(rule.EventBusName).toBe('default');
    expect(rule.EventPattern).toEqual({
      source: ['das-firehose'],
      'detail-type': ['Database activity alert'],
      detail: { severity: ['HIGH', 'CRITICAL'] },
    });
    expect(rule.Targets).toHaveLength(1);
    const target = rule.Targets[0];
    expect(target.Arn).toEqual({ Ref: topicId });
    const paths = Object.values(target.InputTransformer.InputPathsMap) as string[];
    expect(paths.sort()).toEqual(
      ['alertId', 'command', 'dbUserName', 'description', 'engine', 'eventTime', 'remoteHost', 'resourceId', 'rule', 's3Uri', 'severity'].map((field) => `$.detail.${field}`),
    );
    expect(JSON.stringify(target.InputTransformer)).not.toContain('commandText');
    for (const name of Object.keys(target.InputTransformer.InputPathsMap)) expect(target.InputTransformer.InputTemplate).toContain(`<${name}>`);
  });

  it('lets EventBridge publish to the alarm topic for the high-severity rule only, never for another account\'s rule', () => {
    const ruleId = Object.keys(busRules(template))[0] as string;
    const statements = Object.values(template.findResources('AWS::SNS::TopicPolicy')).flatMap((policy: Json) => policy.Properties.PolicyDocument.Statement as Json[]);
    const byEventBridge = statements.filter((statement) => JSON.stringify(statement.Principal ?? {}).includes('events.amazonaws.com'));
    expect(byEventBridge).toEqual([
      {
        Sid: 'HighSeverityAlertRuleOnly',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'events.amazonaws.com' },
        Resource: { Ref: topicId },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      },
    ]);
  });

  it('names the bus and the rule in the outputs', () => {
    const outputs = template.findOutputs('*');
    expect(outputs.AlertEventBusName.Value).toBe('default');
    expect(outputs.HighSeverityAlertRuleName.Value).toEqual({ Ref: Object.keys(busRules(template))[0] });
  });
});

describe('alerts configured through context', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = synthApp({
      ...BASE,
      alarmEmail: 'dba@example.com',
      alertsDisabled: 'destructive-ddl',
      privilegedUsers: 'admin, Master',
      alertRules: JSON.stringify([CUSTOM_RULE]),
      alertThresholds: 'failed-login=10,privilege-change=0',
      alertSqlTextChars: '200',
    }));
  });

  it('passes the rules to both functions in the variables the transformer reads', () => {
    const [transformer, replay] = functionsOf(template).map((fn) => fn.Properties.Environment.Variables);
    expect(replay).toEqual(transformer);
    expect(transformer).toMatchObject({
      ALERTS_DISABLED: 'destructive-ddl',
      PRIVILEGED_USERS: 'admin,Master',
      ALERT_CUSTOM_RULES: JSON.stringify([CUSTOM_RULE]),
      ALERT_SQL_TEXT_CHARS: '200',
    });
    // The transformer reads them into the rules the alarms are built for.
    const config = loadConfig(literalEnvironment(transformer));
    expect(config.alertRules?.map((rule) => rule.id)).toEqual(['privilege-change', 'failed-login', 'privileged-user-activity', 'audit-schema-touched']);
    expect(config.alertSqlTextChars).toBe(200);
  });

  it('alarms on the rules in force at their thresholds, and not on a disabled rule or one at 0', () => {
    const alarms = alertAlarms(template);
    expect(Object.fromEntries(Object.entries(alarms).map(([rule, alarm]) => [rule, alarm.Threshold]))).toEqual({
      'failed-login': 10,
      'privileged-user-activity': 1,
      'audit-schema-touched': 1,
    });
  });

  it('creates a bus with alertEventBus=create, and lets the functions put events on it only', () => {
    const { template: created } = synthApp({ ...BASE, alarmEmail: 'dba@example.com', alertEventBus: 'create' });
    const busId = Object.keys(created.findResources('AWS::Events::EventBus'))[0] as string;
    expect(busId).toBeDefined();
    const busArn = { 'Fn::GetAtt': [busId, 'Arn'] };
    expect(putEventsStatements(created).map((statement) => statement.Resource)).toEqual([busArn]);
    expect(publisherOf(created).Properties.Environment.Variables.ALERT_EVENT_BUS).toEqual(busArn);
    created.hasResourceProperties('AWS::Events::Rule', { EventBusName: { Ref: busId } });
    expect(created.findOutputs('AlertEventBusName').AlertEventBusName.Value).toEqual({ Ref: busId });
  });

  it('publishes to an existing bus given by ARN, of another account too', () => {
    const arn = 'arn:aws:events:us-east-1:210987654321:event-bus/security-alerts';
    const { template: theirs } = synthApp({ ...BASE, alertEventBus: arn });
    theirs.resourceCountIs('AWS::Events::EventBus', 0);
    expect(putEventsStatements(theirs).map((statement) => statement.Resource)).toEqual([arn]);
    expect(publisherOf(theirs).Properties.Environment.Variables.ALERT_EVENT_BUS).toBe(arn);
  });

  it('creates the alarms without actions and no rule to a topic when there is no alarm topic', () => {
    const { template: quiet } = synthApp(BASE);
    const alarms = Object.values(alertAlarms(quiet));
    expect(alarms).toHaveLength(3);
    expect(alarms.every((alarm) => alarm.AlarmActions === undefined)).toBe(true);
    expect(busRules(quiet)).toEqual({});
    expect(Object.keys(quiet.findOutputs('*'))).toContain('AlertEventBusName');
    expect(Object.keys(quiet.findOutputs('*'))).not.toContain('HighSeverityAlertRuleName');
  });

  it('turns every rule off with alerts=false: no PutEvents, no alert alarms, no rule, no output', () => {
    const { template: off } = synthApp({ ...BASE, alarmEmail: 'dba@example.com', alerts: 'false' });
    expect(putEventsStatements(off)).toEqual([]);
    expect(alertAlarms(off)).toEqual({});
    off.resourceCountIs('AWS::Events::Rule', 0);
    off.resourceCountIs('AWS::Lambda::Function', 2);
    expect(Object.keys(off.findOutputs('*'))).not.toContain('AlertEventBusName');
    // The transformer's built-in rules are on unless named: every one is named, so it never calls EventBridge.
    for (const fn of functionsOf(off)) {
      const variables = fn.Properties.Environment.Variables;
      expect(variables.ALERTS_DISABLED).toBe(BUILT_IN_RULE_IDS.join(','));
      expect(variables.ALERT_EVENT_BUS).toBeUndefined();
      expect(loadConfig(literalEnvironment(variables)).alertRules).toEqual([]);
    }
  });
});

describe('alert settings refused at synth', () => {
  it('refuses alertRules that are not JSON, with an example', () => {
    expect(contextError({ ...BASE, alertRules: '[{id: x}]' })).toContain('alertRules is not JSON');
    expect(contextError({ ...BASE, alertRules: '[{id: x}]' })).toContain(`-c alertRules='[{"id":"audit-schema-touched"`);
  });

  it('refuses a custom rule the transformer would refuse, saying where', () => {
    const message = contextError({ ...BASE, alertRules: JSON.stringify([{ ...CUSTOM_RULE, severity: 'URGENT' }, { ...CUSTOM_RULE, id: 'failed-login' }]) });
    expect(message).toContain('alertRules[0].severity must be one of LOW, MEDIUM, HIGH, CRITICAL; got "URGENT".');
    expect(message).toContain('alertRules[1].id "failed-login" is taken by a built-in rule.');
    expect(contextError({ ...BASE, alertRules: '{"id":"x"}' })).toContain('alertRules must be a JSON array of rules');
  });

  it('refuses an unknown built-in rule to turn off, naming the known ones', () => {
    expect(contextError({ ...BASE, alertsDisabled: 'failed-login,drop-table' })).toContain(
      'alertsDisabled names no built-in rule: drop-table; the built-in rules are privilege-change, failed-login, destructive-ddl, privileged-user-activity.',
    );
  });

  it('refuses thresholds of unknown rules and thresholds that are not counts', () => {
    expect(contextError({ ...BASE, alertThresholds: 'failed-logins=3' })).toContain('alertThresholds names no rule: "failed-logins"; the rules are privilege-change');
    expect(contextError({ ...BASE, alertThresholds: 'failed-login=many' })).toContain('alertThresholds "failed-login=many" is not rule=count');
    expect(contextError({ ...BASE, alertThresholds: 'failed-login=3,failed-login=4' })).toContain('alertThresholds gives failed-login twice.');
    // A custom rule's id is known to the thresholds.
    const { template } = synthApp({ ...BASE, alertRules: JSON.stringify([CUSTOM_RULE]), alertThresholds: 'audit-schema-touched=3' });
    expect(alertAlarms(template)['audit-schema-touched'].Threshold).toBe(3);
  });

  it('refuses SQL text beyond 4096 characters, a malformed bus, and alert settings with alerts=false', () => {
    expect(contextError({ ...BASE, alertSqlTextChars: '5000' })).toContain('alertSqlTextChars must be a whole number of characters from 0 (no SQL text) to 4096; got 5000.');
    expect(contextError({ ...BASE, alertSqlTextChars: 'all' })).toContain('alertSqlTextChars must be a whole number up to 4096; got "all".');
    expect(contextError({ ...BASE, alertEventBus: 'arn:aws:sns:us-east-1:123456789012:topic' })).toContain('alertEventBus must be default, create, an event bus name or an event bus ARN');
    expect(contextError({ ...BASE, alertEventBus: 'arn:aws:events:eu-west-1:123456789012:event-bus/x' })).toContain('is in eu-west-1, but the stack deploys in us-east-1');
    expect(contextError({ ...BASE, alerts: 'false', privilegedUsers: 'admin' })).toContain('privilegedUsers sets alerting, which alerts=false turns off; leave it out.');
    expect(contextError({ ...BASE, alerts: 'maybe' })).toContain('alerts must be true or false; got "maybe".');
  });

  it('refuses a privileged user whose events are dropped before the rules see them', () => {
    expect(contextError({ ...BASE, dropUsers: 'rdsadmin', privilegedUsers: 'RDSADMIN' })).toContain(
      'privilegedUsers lists RDSADMIN, whom dropUsers leaves out: their events are dropped before the alert rules see them.',
    );
  });

  it('refuses settings that would take the function\'s environment past Lambda\'s 4 KB', () => {
    const rules = Array.from({ length: 14 }, (_, index) => ({ ...CUSTOM_RULE, id: `custom-rule-${index}`, description: 'x'.repeat(200) }));
    const message = contextError({ ...BASE, alertRules: JSON.stringify(rules) });
    expect(message).toMatch(/The function's environment would take up to \d+ bytes, more than the 4096 Lambda allows \(largest: alertRules \d+ bytes/);
    // A few rules fit.
    expect(() => synthApp({ ...BASE, alertRules: JSON.stringify(rules.slice(0, 3)) })).not.toThrow();
  });

  it('names the construct\'s props in its own errors', () => {
    const build = pipeline({ alerts: { thresholds: { 'failed-login': -1 }, sqlTextChars: 1.5, notifyHighSeverity: true, customRules: [{ ...CUSTOM_RULE, when: { field: 'objectName' } as never }] } });
    expect(build).toThrow('alerts.thresholds for failed-login must be a whole number of matches in 5 minutes, 0 for no alarm; got -1.');
    expect(build).toThrow('alerts.sqlTextChars must be a whole number of characters from 0 (no SQL text) to 4096; got 1.5.');
    expect(build).toThrow('alerts.notifyHighSeverity sends high-severity alerts to alarmTopic; give a topic.');
    expect(build).toThrow('alerts.customRules[0].when must have one of these shapes');
    expect(pipeline({ alarms: false, alerts: { thresholds: { 'failed-login': 3 } } })).toThrow('alerts.thresholds sets the alert rules\' alarms, which alarms off leaves out.');
    expect(pipeline({ metricsNamespace: 'AWS/Mine' })).toThrow('metricsNamespace must be 1 to 255 printable ASCII characters');
  });

  it('leaves the high-severity rule out with notifyHighSeverity: false, and alarms in the namespace given', () => {
    const template = pipeline((stack) => ({
      alarmTopic: sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:us-east-1:123456789012:ops'),
      alerts: { notifyHighSeverity: false },
      metricsNamespace: 'Audit/Prod',
    }))();
    expect(busRules(template)).toEqual({});
    const alarms = Object.values(alertAlarms(template));
    expect(alarms.every((alarm) => alarm.Namespace === 'Audit/Prod' && alarm.AlarmActions?.[0] === 'arn:aws:sns:us-east-1:123456789012:ops')).toBe(true);
    expect(functionsOf(template)[0].Properties.Environment.Variables.METRICS_NAMESPACE).toBe('Audit/Prod');
  });

  it('keeps the function\'s rights and alarms of alerting out of a pipeline with alarms off', () => {
    const template = pipeline({ alarms: false })();
    expect(alertAlarms(template)).toEqual({});
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(putEventsStatements(template)).toHaveLength(1);
  });
});
