import { BatchImportFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { DEV_ACCOUNT, DEV_REGION } from '../../../testkit/aws/dev-key';
import { LocalSecurityHub } from '../../../testkit/aws/securityhub-endpoint';

/**
 * The loopback Security Hub endpoint, driven by the real client: it refuses what Security Hub refuses
 * for BatchImportFindings, in Security Hub's words, and keeps what it accepts.
 */

const hub = new LocalSecurityHub();
let client: SecurityHubClient;
beforeAll(async () => {
  await hub.start();
  client = new SecurityHubClient({ endpoint: hub.endpoint, region: DEV_REGION, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, maxAttempts: 1 });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clear();
  hub.disabled = false;
  hub.throttling = false;
});

const PRODUCT = `arn:aws:securityhub:${DEV_REGION}:${DEV_ACCOUNT}:product/${DEV_ACCOUNT}/default`;

function finding(id: string, changes: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: PRODUCT,
    GeneratorId: 'das-firehose/failed-login',
    AwsAccountId: DEV_ACCOUNT,
    CreatedAt: '2026-11-21T12:00:00.123Z',
    UpdatedAt: '2026-11-21T12:00:00.123Z',
    Title: 'failed-login: AUTH FAILURE by app on postgres',
    Description: 'A login failed',
    FindingProviderFields: { Severity: { Label: 'MEDIUM' }, Types: ['TTPs/Credential Access'] },
    Resources: [{ Type: 'Other', Id: 'cluster-ABC', Details: { Other: { dbUserName: 'app' } } }],
    ...changes,
  };
}

/** A finding of about 105 KB plus 52 KB a resource: Security Hub's size limits within reach. */
function bulky(id: string, resources: number): AwsSecurityFinding {
  return finding(id, {
    ProductFields: Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`das-firehose/k${k}`, 'v'.repeat(2048)])),
    Resources: Array.from({ length: resources }, (_, r) => ({ Type: 'Other', Id: `r${r}`, Details: { Other: Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`o${k}`, 'w'.repeat(1024)])) } })),
  });
}

const send = (findings: AwsSecurityFinding[], c = client) => c.send(new BatchImportFindingsCommand({ Findings: findings }));

describe('LocalSecurityHub', () => {
  it('accepts valid findings and keeps them; a re-import with the same UpdatedAt changes nothing', async () => {
    expect(await send([finding('a'), finding('b')])).toMatchObject({ SuccessCount: 2, FailedCount: 0 });
    expect(await send([finding('a', { Title: 'changed' })])).toMatchObject({ SuccessCount: 1 });
    expect(hub.findings.map((f) => [f.Id, f.Title, f.Workflow])).toEqual([
      ['a', 'failed-login: AUTH FAILURE by app on postgres', { Status: 'NEW' }],
      ['b', 'failed-login: AUTH FAILURE by app on postgres', { Status: 'NEW' }],
    ]);
    await send([finding('a', { Title: 'changed', UpdatedAt: '2026-11-21T12:00:01Z' })]);
    expect(hub.findings[0]?.Title).toBe('changed');
  });

  it.each([
    ['a required attribute missing', finding('x', { Title: undefined }), /required property 'Title'/],
    ['no severity anywhere', finding('x', { FindingProviderFields: { Types: ['TTPs/Discovery'] } }), /anyOf/],
    ['no types anywhere', finding('x', { FindingProviderFields: { Severity: { Label: 'LOW' } } }), /Types/],
    ['a title over 256 characters', finding('x', { Title: 't'.repeat(257) }), /Title should NOT be longer than 256/],
    ['a description over 1024 characters', finding('x', { Description: 'd'.repeat(1025) }), /Description should NOT be longer than 1024/],
    ['a type of four parts', finding('x', { FindingProviderFields: { Severity: { Label: 'LOW' }, Types: ['a/b/c/d'] } }), /Types\[0\]/],
    ['a bad timestamp', finding('x', { CreatedAt: '2026-11-21 12:00:00' }), /CreatedAt/],
    ['no resources', finding('x', { Resources: [] }), /Resources/],
    ['a Details.Other value over 1024', finding('x', { Resources: [{ Type: 'Other', Id: 'r', Details: { Other: { k: 'v'.repeat(1025) } } }] }), /Other\['k'\]/],
    ['a reserved ProductFields key', finding('x', { ProductFields: { 'aws/securityhub/x': 'y' } }), /reserved/],
    ['a finding over 240 KB', bulky('x', 3), /240 KB/],
  ])('fails a finding with %s (InvalidInput, in a 200 answer), keeping the others', async (_, bad, message) => {
    const answer = await send([finding('ok'), bad]);
    expect(answer).toMatchObject({ SuccessCount: 1, FailedCount: 1, FailedFindings: [{ Id: 'x', ErrorCode: 'InvalidInput', ErrorMessage: expect.stringMatching(message) }] });
    expect(hub.findings.map((f) => f.Id)).toEqual(['ok']);
  });

  it('refuses a whole request of no findings, more than 100, or over 6 MB', async () => {
    await expect(send([])).rejects.toMatchObject({ name: 'InvalidInputException', $metadata: { httpStatusCode: 400 } });
    await expect(send(Array.from({ length: 101 }, (_, i) => finding(`f${i}`)))).rejects.toMatchObject({ name: 'InvalidInputException' });
    // 45 findings of about 155 KB each, every one within 240 KB: 7 MB in all.
    expect(await send([bulky('one', 1)])).toMatchObject({ SuccessCount: 1 });
    hub.clear();
    await expect(send(Array.from({ length: 45 }, (_, i) => bulky(`b${i}`, 1)))).rejects.toMatchObject({ name: 'InvalidInputException', message: expect.stringContaining('6 MB') });
    expect(hub.findings).toHaveLength(0);
  });

  it('refuses the whole request when a finding names another account or product (AccessDeniedException 403)', async () => {
    await expect(send([finding('a'), finding('b', { AwsAccountId: '123456789012' })])).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    await expect(send([finding('a', { ProductArn: 'arn:aws:securityhub:us-east-1::product/prowler/prowler' })])).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('on resource: arn:aws:securityhub:us-east-1::product/prowler/prowler'),
    });
    await expect(send([finding('a', { ProductArn: PRODUCT.replace(DEV_REGION, 'eu-west-1') })])).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(hub.findings).toHaveLength(0);
  });

  it('refuses unsigned requests', async () => {
    const response = await fetch(`${hub.endpoint}/findings/import`, { method: 'POST', body: JSON.stringify({ Findings: [finding('a')] }), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('throttles on demand with LimitExceededException 429, which the SDK retries', async () => {
    hub.throttleNext(1);
    await expect(send([finding('a')])).rejects.toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } });
    hub.throttleNext(2);
    const retrying = new SecurityHubClient({ endpoint: hub.endpoint, region: DEV_REGION, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, maxAttempts: 3 });
    expect(await send([finding('a')], retrying)).toMatchObject({ SuccessCount: 1 });
  });

  it('fails findings on demand, and every finding with InvalidAccess while the hub is disabled', async () => {
    hub.failNextFindings(1);
    expect(await send([finding('a'), finding('b')])).toMatchObject({ FailedCount: 1, FailedFindings: [{ Id: 'a', ErrorCode: 'InternalFailure' }] });
    hub.disabled = true;
    expect(await send([finding('c')])).toMatchObject({ FailedCount: 1, FailedFindings: [{ Id: 'c', ErrorCode: 'InvalidAccess' }] });
  });
});
