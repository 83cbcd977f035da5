import { BUILT_IN_RULE_IDS } from '../../../../lambda/core/alerts/alert-rules';
import { defaultProductArn, securityFinding, stableTimeOf, TYPED_RULES, type FindingTarget } from '../../../../lambda/core/alerts/security-finding';
import { findingProblem } from '../../../../testkit/aws/securityhub-finding-rules';
import { ALL_RULES, ENGINES, sampleAlerts } from '../../../support/sample-alerts';

const target: FindingTarget = { accountId: '123456789012', region: 'eu-west-1', partition: 'aws', bucket: 'audit-bucket' };
const FALLBACK = '2026-11-21T13:00:00.000Z';

describe('alert as an ASFF finding', () => {
  it('types every built-in rule', () => {
    expect([...TYPED_RULES].sort()).toEqual([...BUILT_IN_RULE_IDS].sort());
  });

  describe.each(ENGINES)('%s', (engine) => {
    const { alerts, resourceId } = sampleAlerts(engine);

    it('raises alerts of every rule', () => {
      expect(new Set(alerts.map((alert) => alert.rule))).toEqual(new Set(ALL_RULES.map((rule) => rule.id)));
    });

    it('gives a finding Security Hub accepts for every alert, with the required attributes', () => {
      for (const alert of alerts) {
        const finding = securityFinding(alert, target, FALLBACK);
        expect(findingProblem(finding as unknown as Record<string, unknown>, false)).toBeUndefined();
        expect(finding).toMatchObject({
          SchemaVersion: '2018-10-08',
          Id: `das-firehose/${resourceId}/${alert.id}`,
          ProductArn: 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default',
          GeneratorId: `das-firehose/${alert.rule}`,
          AwsAccountId: '123456789012',
          FindingProviderFields: { Severity: { Label: alert.severity, Original: alert.severity } },
          Resources: [{ Type: 'Other', Id: resourceId, Partition: 'aws', Region: 'eu-west-1' }],
        });
        expect(finding).not.toHaveProperty('Severity');
        expect(finding.FindingProviderFields.Types.length).toBeGreaterThan(0);
        // Stable across attempts: the event's own time.
        expect(finding.CreatedAt).toBe(finding.UpdatedAt);
        expect(Date.parse(finding.CreatedAt)).toBe(Date.parse(alert.details.logTime!.replace(' ', 'T').replace(/\+00$/, 'Z')));
        const other = finding.Resources[0]!.Details.Other;
        expect(other).toMatchObject({ resourceId, ...(alert.details.dbUserName ? { dbUserName: alert.details.dbUserName } : {}), ...(alert.details.command ? { command: alert.details.command } : {}) });
        expect(finding.ProductFields['das-firehose/alerts/s3Key']).toBe(alert.key);
        expect(finding.ProductFields['das-firehose/alerts/s3Uri']).toBe(`s3://audit-bucket/${alert.key}`);
      }
    });

    it('carries no SQL text unless the alert does, and then within 1024 characters', () => {
      for (const alert of alerts) expect(JSON.stringify(securityFinding(alert, target, FALLBACK))).not.toContain('commandText');
      const withText = sampleAlerts(engine, { sqlTextChars: 4000 }).alerts.filter((alert) => alert.details.commandText);
      expect(withText.length).toBeGreaterThan(0);
      for (const alert of withText) {
        const other = securityFinding(alert, target, FALLBACK).Resources[0]!.Details.Other;
        expect(other.commandText?.length).toBeLessThanOrEqual(1024);
      }
    });
  });

  it('names the database by its ARN when the stack knows it: cluster or instance', () => {
    const cluster = sampleAlerts('aurora-mysql');
    const instance = sampleAlerts('rds-oracle');
    const arns = {
      [cluster.resourceId]: 'arn:aws:rds:eu-west-1:123456789012:cluster:orders',
      [instance.resourceId]: 'arn:aws:rds:eu-west-1:123456789012:db:ledger',
    };
    const a = securityFinding(cluster.alerts[0]!, { ...target, databaseArns: arns }, FALLBACK).Resources[0]!;
    expect(a).toMatchObject({ Type: 'AwsRdsDbCluster', Id: arns[cluster.resourceId], Details: { AwsRdsDbCluster: { DbClusterResourceId: cluster.resourceId } } });
    const b = securityFinding(instance.alerts[0]!, { ...target, databaseArns: arns }, FALLBACK).Resources[0]!;
    expect(b).toMatchObject({ Type: 'AwsRdsDbInstance', Id: arns[instance.resourceId], Details: { AwsRdsDbInstance: { DbiResourceId: instance.resourceId } } });
  });

  it('caps long values to ASFF lengths, and the finding stays valid', () => {
    const base = sampleAlerts('aurora-postgresql').alerts[0]!;
    const long = 'x'.repeat(5000);
    const alert = { ...base, description: long, details: { ...base.details, dbUserName: long, objectName: long, databaseName: long, commandText: long } };
    const finding = securityFinding(alert, target, FALLBACK);
    expect(findingProblem(finding as unknown as Record<string, unknown>, false)).toBeUndefined();
    expect(finding.Title.length).toBeLessThanOrEqual(256);
    expect(finding.Description.length).toBeLessThanOrEqual(1024);
  });

  it('gives a summary alert the batch\'s stable time and its count', () => {
    const { alerts } = sampleAlerts('rds-sqlserver');
    const summary = { ...alerts[0]!, id: 'f'.repeat(32), key: 'events/', moreMatches: 40, details: { ...alerts[0]!.details, logTime: null } };
    const time = stableTimeOf([...alerts, summary], FALLBACK);
    const finding = securityFinding(summary, target, time);
    expect(findingProblem(finding as unknown as Record<string, unknown>, false)).toBeUndefined();
    expect(finding.CreatedAt).toBe(time);
    expect(time).not.toBe(FALLBACK);
    expect(finding.Title).toContain('40 more matches');
    expect(finding.ProductFields['das-firehose/alerts/moreMatches']).toBe('40');
    expect(stableTimeOf([summary], FALLBACK)).toBe(FALLBACK);
  });

  it('uses the partition and Region in the product ARN', () => {
    expect(defaultProductArn({ partition: 'aws-cn', region: 'cn-north-1', accountId: '123456789012' })).toBe('arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default');
  });
});
