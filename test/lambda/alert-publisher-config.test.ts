import { loadAlertPublisherConfig } from '../../lambda/alert-publisher-config';

describe('loadAlertPublisherConfig', () => {
  it('reads the defaults: the default bus, Security Hub off', () => {
    expect(loadAlertPublisherConfig({ BUCKET_NAME: 'audit' })).toMatchObject({ bucketName: 'audit', alertEventBus: 'default', securityHub: false, databaseArns: {}, metricsNamespace: 'DasFirehose', sweepMinAgeSeconds: 60 });
  });

  it('reads Security Hub on and the databases\' ARNs', () => {
    const config = loadAlertPublisherConfig({
      BUCKET_NAME: 'audit',
      SECURITY_HUB: 'ON',
      ALERT_EVENT_BUS: 'alerts',
      DATABASE_ARNS: 'cluster-ABC=arn:aws:rds:eu-west-1:123456789012:cluster:orders, db-XYZ=arn:aws:rds:eu-west-1:123456789012:db:ledger',
    });
    expect(config).toMatchObject({ securityHub: true, alertEventBus: 'alerts' });
    expect(config.databaseArns).toEqual({ 'cluster-ABC': 'arn:aws:rds:eu-west-1:123456789012:cluster:orders', 'db-XYZ': 'arn:aws:rds:eu-west-1:123456789012:db:ledger' });
  });

  it.each([
    [{}, /^BUCKET_NAME is not set: .* e\.g\. BUCKET_NAME=my-audit-bucket$/],
    [{ BUCKET_NAME: 'a', SECURITY_HUB: 'yes' }, /^SECURITY_HUB must be on or off .* e\.g\. SECURITY_HUB=on; got "yes"$/],
    [{ BUCKET_NAME: 'a', DATABASE_ARNS: 'cluster-ABC=orders' }, /^DATABASE_ARNS must list <resourceId>=<arn> pairs .* e\.g\. DATABASE_ARNS=cluster-/],
    [{ BUCKET_NAME: 'a', SWEEP_MIN_AGE_SECONDS: '-1' }, /^SWEEP_MIN_AGE_SECONDS must be a whole number .* e\.g\. SWEEP_MIN_AGE_SECONDS=60; got "-1"$/],
  ])('refuses %j naming the variable and an example', (env, message) => {
    expect(() => loadAlertPublisherConfig(env)).toThrow(expect.objectContaining({ name: 'ConfigError', message: expect.stringMatching(message) }));
  });
});
