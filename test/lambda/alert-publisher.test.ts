import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createAlertPublisherHandler, type AlertPublisherEvent } from '../../lambda/alert-publisher-handler';
import type { Alert } from '../../lambda/core/alerts/alerts';
import { alertOutboxKey, outboxDocument, serializeOutbox } from '../../lambda/core/alerts/outbox';
import type { PublishReport } from '../../lambda/core/alerts/publish-outbox';
import { DEV_ACCOUNT, DEV_REGION } from '../../testkit/aws/dev-key';
import { capturingLogs } from '../support/logs';
import { LocalAws, s3ClientFor, startLocalAws, withEnv } from '../support/local-aws';
import { ALL_RULES, ENGINES, eventObjectsOf, sampleAlerts } from '../support/sample-alerts';

/**
 * The alert publisher on loopback: the shipped handler, the local S3 server holding the outbox, the
 * local EventBridge and Security Hub endpoints driven by the real clients. What a security team relies
 * on: with a target down nothing is lost and everything arrives once it is back (at least once, the same
 * alert ids), the backlog is measured, and Security Hub gets a valid finding for every alert.
 */

let aws: LocalAws;
beforeEach(async () => {
  aws = await startLocalAws({ notifications: [] });
});
afterEach(() => aws.stop());

const CONTEXT = { invokedFunctionArn: `arn:aws:lambda:${DEV_REGION}:${DEV_ACCOUNT}:function:alert-publisher`, getRemainingTimeInMillis: () => 60_000 };
const SWEEP: AlertPublisherEvent = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

/** Runs the handler (built from the local world's settings plus `settings`) once per event, keeping its log. */
async function run(events: AlertPublisherEvent[], settings: Record<string, string> = {}): Promise<{ reports: PublishReport[]; logs: string }> {
  const env = { ...aws.env, SWEEP_MIN_AGE_SECONDS: '0', ...settings };
  const { value, logs } = await capturingLogs(() =>
    withEnv(env, async () => {
      const handler = createAlertPublisherHandler(env);
      const reports: PublishReport[] = [];
      for (const event of events) reports.push(await handler(event, CONTEXT));
      return reports;
    }),
  );
  return { reports: value, logs };
}

/** A batch's outbox object, and (unless told otherwise) the event objects it names, as the transformer writes them. */
async function writeOutbox(alerts: readonly Alert[], resourceId: string, batchName: string, options: { eventsStored?: boolean } = {}): Promise<string> {
  const key = alertOutboxKey(resourceId, batchName);
  const objects = eventObjectsOf(alerts);
  const s3 = s3ClientFor(aws);
  await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: serializeOutbox(outboxDocument(resourceId, batchName, alerts, new Date(), objects)), ContentType: 'application/json' }));
  if (options.eventsStored ?? true) await storeEventObjects(objects);
  return key;
}

async function storeEventObjects(keys: readonly string[]): Promise<void> {
  for (const key of keys) await s3ClientFor(aws).send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: gzipSync('{}\n'), ContentEncoding: 'gzip' }));
}

/** One outbox object per engine, every rule's alerts in it. */
async function outboxOfEveryEngine(): Promise<Alert[]> {
  const all: Alert[] = [];
  for (const engine of ENGINES) {
    const { alerts, resourceId, batchName } = sampleAlerts(engine);
    await writeOutbox(alerts, resourceId, batchName);
    all.push(...alerts);
  }
  return all;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const page = await s3ClientFor(aws).send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((item) => item.Key!).sort();
}

/** The EMF metric values the handler logged, by name. */
function metricValues(logs: string, name: string): number[] {
  return logs
    .split('\n')
    .filter((line) => line.includes('"_aws"') && line.includes(`"${name}"`))
    .map((line) => (JSON.parse(line) as Record<string, number>)[name]!);
}

describe('alert publisher', () => {
  it('keeps every alert while EventBridge is down, then delivers each (same ids) and the backlog returns to zero', async () => {
    const alerts = await outboxOfEveryEngine();
    aws.eventBridge.down = true;
    const down = await run([SWEEP, SWEEP]);
    expect(down.reports.map((report) => report.objectsPublished)).toEqual([0, 0]);
    expect(down.reports[1]).toMatchObject({ waiting: ENGINES.length });
    expect(down.reports[1]?.failed.length).toBeGreaterThan(0);
    expect(down.reports[1]?.failed.every((problem) => problem.sink === 'eventbridge')).toBe(true);
    expect(await keysUnder('alerts/pending/')).toHaveLength(ENGINES.length);
    expect(metricValues(down.logs, 'AlertsWaiting')).toEqual([ENGINES.length, ENGINES.length]);
    expect(metricValues(down.logs, 'OldestAlertAgeSeconds').every((age) => age >= 0)).toBe(true);
    expect(down.logs).toMatch(/alerts left pending: a target failed/);

    aws.eventBridge.down = false;
    const back = await run([SWEEP]);
    expect(back.reports[0]).toMatchObject({ objectsPublished: ENGINES.length, alertsPublished: alerts.length, waiting: 0, oldestAgeSeconds: 0 });
    expect(metricValues(back.logs, 'AlertsWaiting')).toEqual([0]);
    expect(await keysUnder('alerts/')).toEqual([]);
    const ids = aws.eventBridge.events.map((event) => event.detail.alertId);
    expect(new Set(ids)).toEqual(new Set(alerts.map((alert) => alert.id)));
  });

  it('sends Security Hub a valid finding for every alert of every rule and engine, and EventBridge the alerts', async () => {
    const alerts = await outboxOfEveryEngine();
    const { reports } = await run([SWEEP], { SECURITY_HUB: 'on' });
    expect(reports[0]).toMatchObject({ objectsPublished: ENGINES.length, alertsBySink: { eventbridge: alerts.length, securityhub: alerts.length }, refused: [], failed: [] });
    const findings = aws.securityHub.findings;
    expect(findings.map((finding) => finding.Id).sort()).toEqual(alerts.map((alert) => `das-firehose/${alert.resourceId}/${alert.id}`).sort());
    for (const engine of ENGINES) {
      const { resourceId } = sampleAlerts(engine);
      const seen = new Set(findings.filter((finding) => JSON.stringify(finding.Resources).includes(resourceId)).map((finding) => finding.GeneratorId));
      expect(seen).toEqual(new Set(ALL_RULES.map((rule) => `das-firehose/${rule.id}`)));
    }
    expect(findings.every((finding) => finding.ProductArn === `arn:aws:securityhub:${DEV_REGION}:${DEV_ACCOUNT}:product/${DEV_ACCOUNT}/default`)).toBe(true);
    expect(aws.eventBridge.events).toHaveLength(alerts.length);
  });

  it('sends at most 100 findings a request, and retries findings Security Hub fails and requests it throttles', async () => {
    const { alerts: base, resourceId, batchName } = sampleAlerts('aurora-postgresql');
    // 250 alerts of one batch: distinct ids, as a busy batch raises.
    const alerts = Array.from({ length: 250 }, (_, index) => ({ ...base[index % base.length]!, id: createHash('sha256').update(String(index)).digest('hex').slice(0, 32) }));
    await writeOutbox(alerts, resourceId, batchName);
    aws.securityHub.failNextFindings(5);
    aws.securityHub.throttleNext(1);
    const { reports } = await run([SWEEP], { SECURITY_HUB: 'on' });
    expect(reports[0]).toMatchObject({ objectsPublished: 1, failed: [] });
    expect(aws.securityHub.findings).toHaveLength(250);
    const accepted = aws.securityHub.requestSizes;
    expect(accepted.every((request) => request.findings <= 100)).toBe(true);
    // The 5 failed findings of the first request are sent again on their own.
    expect(accepted.map((request) => request.findings)).toEqual([100, 5, 100, 50]);
  });

  it('leaves the object pending while Security Hub refuses the account (403), the bus got the alerts, and nothing is lost', async () => {
    const { alerts, resourceId, batchName } = sampleAlerts('rds-sqlserver');
    const key = await writeOutbox(alerts, resourceId, batchName);
    const other = { ...CONTEXT, invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:alert-publisher' };
    const env = { ...aws.env, SWEEP_MIN_AGE_SECONDS: '0', SECURITY_HUB: 'on' };
    const { value } = await capturingLogs(() => withEnv(env, () => createAlertPublisherHandler(env)(SWEEP, other)));
    expect(value.failed).toEqual([{ key, sink: 'securityhub', reason: expect.stringContaining('AccessDeniedException') }]);
    expect(await keysUnder('alerts/pending/')).toEqual([key]);
    expect(aws.securityHub.findings).toHaveLength(0);
  });

  it('sets a malformed outbox object aside under alerts/unreadable/ with its reason, reports it, and publishes the rest', async () => {
    const alerts = await outboxOfEveryEngine();
    const badKey = 'alerts/pending/cluster-BROKEN/cluster-BROKEN-0123.json';
    await s3ClientFor(aws).send(new PutObjectCommand({ Bucket: aws.bucket, Key: badKey, Body: '{"format":"das-firehose/alert-outbox","version":1,' }));
    const { reports, logs } = await run([SWEEP]);
    expect(reports[0]).toMatchObject({ objectsPublished: ENGINES.length, unreadable: [{ key: badKey, reason: expect.stringContaining('is not JSON') }], waiting: 0 });
    expect(await keysUnder('alerts/')).toEqual(['alerts/unreadable/cluster-BROKEN/cluster-BROKEN-0123.json']);
    const head = await s3ClientFor(aws).send(new HeadObjectCommand({ Bucket: aws.bucket, Key: 'alerts/unreadable/cluster-BROKEN/cluster-BROKEN-0123.json' }));
    expect(head.Metadata?.reason).toContain('is not JSON');
    expect(metricValues(logs, 'AlertOutboxUnreadable')).toEqual([1]);
    expect(logs).toMatch(/alert outbox object unreadable/);
    expect(aws.eventBridge.events).toHaveLength(alerts.length);
  });

  it('sends nothing for an object whose event objects are not all stored yet, and sends it once they are', async () => {
    const { alerts, resourceId, batchName } = sampleAlerts('aurora-postgresql');
    const key = await writeOutbox(alerts, resourceId, batchName, { eventsStored: false });
    const objects = eventObjectsOf(alerts);
    await storeEventObjects(objects.slice(1));
    const first = await run([SWEEP]);
    expect(first.reports[0]).toMatchObject({ objectsPublished: 0, alertsPublished: 0, awaitingEvents: [{ key, reason: `1 of its ${objects.length} event objects not stored yet` }] });
    expect(aws.eventBridge.events).toHaveLength(0);
    expect(await keysUnder('alerts/pending/')).toEqual([key]);
    expect(first.logs).toMatch(/alerts left pending: their events are not all stored yet/);
    expect(metricValues(first.logs, 'AlertsAwaitingEvents')).toEqual([1]);

    // The notification's run waits for the last event object, which lands while it does.
    const notification = { Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: aws.bucket }, object: { key } } }] };
    const landing = delay(300).then(() => storeEventObjects(objects.slice(0, 1)));
    const second = await run([notification]);
    await landing;
    expect(second.reports[0]).toMatchObject({ objectsPublished: 1, alertsPublished: alerts.length, awaitingEvents: [] });
    expect(aws.eventBridge.events).toHaveLength(alerts.length);
    expect(await keysUnder('alerts/pending/')).toEqual([]);
  });

  it('publishes the object an S3 notification names (its key URL-encoded), and only it', async () => {
    await outboxOfEveryEngine();
    const { resourceId, batchName, alerts } = sampleAlerts('aurora-mysql');
    const key = alertOutboxKey(resourceId, batchName);
    const notification = { Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: aws.bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/') } } }] };
    const { reports } = await run([notification]);
    expect(reports[0]).toMatchObject({ objectsPublished: 1, alertsPublished: alerts.length });
    expect(reports[0]?.waiting).toBeUndefined();
    expect(await keysUnder('alerts/pending/')).toHaveLength(ENGINES.length - 1);
    expect(await keysUnder('alerts/pending/')).not.toContain(key);
  });
});
