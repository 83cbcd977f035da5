import { loadConfig } from '../../lambda/config';
import { kmsKeyFor } from '../../lambda/core/transform/settings';
import { ConfigError } from '../../lambda/core/shared/errors';

describe('loadConfig', () => {
  it('stops without BUCKET_NAME, naming it and showing an example', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({ BUCKET_NAME: '  ' })).toThrow('BUCKET_NAME is not set');
    expect(() => loadConfig({})).toThrow('e.g. BUCKET_NAME=my-audit-bucket');
  });

  it('keeps everything but heartbeats by default', () => {
    const config = loadConfig({ BUCKET_NAME: 'b' });
    expect(config.dropFilters.classes.size + config.dropFilters.commands.size + config.dropFilters.users.size).toBe(0);
    expect(config.resourceId).toBeUndefined();
    expect(config.kmsKeys.default).toBeUndefined();
  });

  it('reads the drop filters as case-insensitive comma lists', () => {
    const config = loadConfig({ BUCKET_NAME: 'b', DROP_USERS: 'RdsAdmin, rdstopmgr ,', DROP_CLASSES: 'READ' });
    expect([...config.dropFilters.users]).toEqual(['rdsadmin', 'rdstopmgr']);
    expect([...config.dropFilters.classes]).toEqual(['read']);
  });

  it('alerts on the built-in rules by default, to the default bus, and on privileged users once named', () => {
    const config = loadConfig({ BUCKET_NAME: 'b' });
    expect(config.alertRules?.map((rule) => rule.id)).toEqual(['privilege-change', 'failed-login', 'destructive-ddl']);
    expect(config).toMatchObject({ alertEventBus: 'default', alertSqlTextChars: 0, metricsNamespace: 'DasFirehose' });
    const named = loadConfig({ BUCKET_NAME: 'b', PRIVILEGED_USERS: 'Admin, rdsadmin', ALERTS_DISABLED: 'FAILED-LOGIN', ALERT_SQL_TEXT_CHARS: '200' });
    expect(named.alertRules?.map((rule) => rule.id)).toEqual(['privilege-change', 'destructive-ddl', 'privileged-user-activity']);
    expect(named.alertSqlTextChars).toBe(200);
  });

  it('opens RDS messages on the fast path unless DECRYPT_FAST_PATH=off', () => {
    expect(loadConfig({ BUCKET_NAME: 'b' }).decryptFastPath).toBe(true);
    expect(loadConfig({ BUCKET_NAME: 'b', DECRYPT_FAST_PATH: 'ON' }).decryptFastPath).toBe(true);
    expect(loadConfig({ BUCKET_NAME: 'b', DECRYPT_FAST_PATH: ' off ' }).decryptFastPath).toBe(false);
    expect(() => loadConfig({ BUCKET_NAME: 'b', DECRYPT_FAST_PATH: 'false' })).toThrow('e.g. DECRYPT_FAST_PATH=off; got "false"');
  });

  it('takes one KMS key for every resource, or one per resource', () => {
    const one = loadConfig({ BUCKET_NAME: 'b', KMS_KEY_ARN: 'arn:aws:kms:us-east-1:1:key/k' }).kmsKeys;
    expect(kmsKeyFor(one, 'cluster-ANY')).toBe('arn:aws:kms:us-east-1:1:key/k');
    const many = loadConfig({ BUCKET_NAME: 'b', KMS_KEY_ARN: 'cluster-A=arn:k1, db-B=arn:k2' }).kmsKeys;
    expect(kmsKeyFor(many, 'cluster-A')).toBe('arn:k1');
    expect(kmsKeyFor(many, 'db-B')).toBe('arn:k2');
    expect(() => kmsKeyFor(many, 'db-C')).toThrow('none for db-C: add db-C=<keyArn>');
  });

  it.each([
    [{ RESOURCE_ID: 'my-cluster' }, 'RESOURCE_ID must be'],
    [{ KMS_KEY_ARN: 'cluster-A=arn:k1,oops' }, 'KMS_KEY_ARN must be'],
    [{ MAX_DECOMPRESSED_BYTES: '-1' }, 'MAX_DECOMPRESSED_BYTES must be a positive whole number up to'],
    [{ MAX_DECOMPRESSED_BYTES: String(2 ** 52) }, 'MAX_DECOMPRESSED_BYTES must be a positive whole number up to'],
    [{ S3_CONCURRENCY: 'many' }, 'S3_CONCURRENCY must be'],
    [{ ALERTS_DISABLED: 'failed-logins' }, 'ALERTS_DISABLED names no built-in rule: failed-logins; the built-in rules are privilege-change, failed-login'],
    [{ ALERT_CUSTOM_RULES: '[{id: "x"}]' }, `ALERT_CUSTOM_RULES is not JSON: give a JSON array of rules, e.g. ALERT_CUSTOM_RULES='[{"id":"audit-schema-touched"`],
    [{ ALERT_CUSTOM_RULES: '[{"id":"x","severity":"LOW","description":"d","when":{"statement":["DROP"]},"engines":["db2"]}]' }, 'ALERT_CUSTOM_RULES[0].engines must be a list of'],
    [{ ALERT_SQL_TEXT_CHARS: '5000' }, 'ALERT_SQL_TEXT_CHARS must be a whole number up to 4096'],
    [{ DECRYPT_FAST_PATH: 'yes' }, 'DECRYPT_FAST_PATH must be on or off'],
  ])('rejects %p with a message that names the setting', (env, message) => {
    expect(() => loadConfig({ BUCKET_NAME: 'b', ...env })).toThrow(message);
  });
});
