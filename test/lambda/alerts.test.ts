import type { FirehoseTransformationEvent } from 'aws-lambda';
import { ALERT_DETAIL_TYPE, ALERT_SOURCE } from '../../lambda/core/alerts/alerts';
import { syntheticEvents } from '../../testkit/das/activity-events';
import { firehoseEvent, mintDasRecord, PROFILES } from '../../testkit/das/das-synth';
import { MAX_ALERTS_PER_BATCH } from '../../lambda/core/alerts/alerts';
import { capturingLogs, quietly } from '../support/logs';
import { invokeLocal, LocalAws, mintBatch, rawObjectText, s3ClientFor, startLocalAws, storedObjects, withEnv } from '../support/local-aws';
import { createAlertPublisherHandler } from '../../lambda/alert-publisher-handler';
import { OUTBOX_PREFIX } from '../../lambda/core/alerts/outbox';
import { listObjects } from '../../local/audit-log/reader';
import { localHandlerEnv } from '../../testkit/aws/local-env';

/**
 * Alerts end to end on loopback: the shipped handler, the local KMS endpoint and S3 server, and the
 * local EventBridge endpoint (which validates PutEvents as EventBridge does, and fails entries,
 * requests or everything on demand). What a security team relies on: every match arrives on the bus,
 * points at its stored event, carries no SQL, and is never lost: it waits in the bucket's outbox until
 * the alert publisher gets it onto the bus, and storing the audit log never waits for the bus.
 */

type Event = Record<string, unknown>;
const RESOURCE = PROFILES['aurora-postgresql'].resourceId;

let aws: LocalAws;
beforeEach(async () => {
  aws = await startLocalAws();
});
afterEach(() => aws.stop());

/** What the stack's schedule does every few minutes: the alert publisher sweeps every pending outbox object. */
function sweep(): Promise<unknown> {
  const env = { ...localHandlerEnv(aws.env), SWEEP_MIN_AGE_SECONDS: '0' };
  return quietly(() => withEnv(env, () => createAlertPublisherHandler(env)({}, { getRemainingTimeInMillis: () => 60_000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sweep' })));
}

/** The sensitive events of a PostgreSQL batch, by the samples' words (the rules' own test checks the words). */
function sensitive(events: Event[][]): Event[] {
  return events.flat().filter((event) => ['GRANT', 'CREATE ROLE', 'DROP TABLE', 'TRUNCATE TABLE', 'AUTH FAILURE'].includes(String(event.command)));
}

async function batchWithAlerts(records = 6): Promise<{ event: FirehoseTransformationEvent; expected: Event[] }> {
  const { event, events } = await mintBatch(aws, { engine: 'aurora-postgresql', records, eventsPerRecord: 20, seed: 21 });
  const expected = sensitive(events);
  expect(expected.length).toBeGreaterThan(records * 3);
  return { event, expected };
}

const identity = (event: { logTime?: unknown; statementId?: unknown; command?: unknown }) => `${event.logTime}|${event.statementId}|${event.command}`;

describe('alerts on the bus', () => {
  it('publishes one event per match in PutEvents of at most 10, each pointing at its stored event and carrying no SQL', async () => {
    const { event, expected } = await batchWithAlerts();
    const result = await quietly(() => invokeLocal(aws, event));
    expect(result.records.every((record) => record.result === 'Ok')).toBe(true);

    const published = aws.eventBridge.events;
    expect(published.map((alert) => identity({ logTime: alert.detail.logTime, statementId: undefined, command: alert.detail.command })).sort()).toEqual(
      expected.map((e) => identity({ logTime: e.logTime, statementId: undefined, command: e.command })).sort(),
    );
    expect(aws.eventBridge.putEventsCalls).toBe(Math.ceil(expected.length / 10));
    expect(new Set(published.map((alert) => alert.detail.alertId)).size).toBe(published.length);
    for (const alert of published) {
      expect(alert).toMatchObject({ eventBus: 'default', source: ALERT_SOURCE, detailType: ALERT_DETAIL_TYPE });
      expect(alert.detail).toMatchObject({ resourceId: RESOURCE, engine: 'postgresql', bucket: aws.bucket, severity: expect.stringMatching(/^(HIGH|MEDIUM)$/) });
      expect(alert.detail).not.toHaveProperty('commandText');
      expect(JSON.stringify(alert.detail)).not.toMatch(/grant select on|drop table audit_probe|truncate table sessions|create user etl_loader/i);
      // The event it names is in the object it names.
      const lines = (await rawObjectText(aws, String(alert.detail.key))).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Event);
      expect(lines.some((line) => line.logTime === alert.detail.logTime && line.command === alert.detail.command && line.dbUserName === alert.detail.dbUserName)).toBe(true);
      // EventBridge keeps whole seconds of an event's time.
      expect(alert.time).toBe(Math.floor(Date.parse(String(alert.detail.logTime).replace(' ', 'T').replace(/\+00$/, 'Z')) / 1000) * 1000);
    }
  });

  it('sends the SQL text, cut short, only when operators opt in', async () => {
    const { event } = await batchWithAlerts();
    await quietly(() => invokeLocal(aws, event, { ALERT_SQL_TEXT_CHARS: '12' }));
    const grant = aws.eventBridge.events.find((alert) => alert.detail.command === 'GRANT');
    expect(grant?.detail.commandText).toBe('grant select…');
  });

  it('retries entries PutEvents reports failed: every alert arrives once', async () => {
    const { event, expected } = await batchWithAlerts();
    aws.eventBridge.failNextEntries(7);
    const result = await quietly(() => invokeLocal(aws, event));
    expect(result.records.every((record) => record.result === 'Ok')).toBe(true);
    expect(aws.eventBridge.events).toHaveLength(expected.length);
    expect(new Set(aws.eventBridge.events.map((alert) => alert.detail.alertId)).size).toBe(expected.length);
    expect(aws.eventBridge.putEventsCalls).toBeGreaterThan(Math.ceil(expected.length / 10));
  });

  it('answers every record and stores every event once while the bus refuses entries; the next sweep delivers every alert, ids unchanged', async () => {
    const { event, expected } = await batchWithAlerts(3);
    // The notified publisher's requests fail, every entry, every attempt: the bus refuses for a while.
    aws.eventBridge.failNextEntries(1_000);
    const result = await quietly(() => invokeLocal(aws, event));
    expect(result.records.every((record) => record.result === 'Ok')).toBe(true);
    expect((await storedObjects(aws)).flatMap((object) => object.events)).toHaveLength(3 * 20);
    expect(aws.eventBridge.events).toEqual([]);
    const pending = (await listObjects(s3ClientFor(aws), aws.bucket, OUTBOX_PREFIX)).map((object) => object.key);
    expect(pending).toHaveLength(1);

    // The bus answers again: the scheduled sweep sends what waited, the same alert ids the rules raise.
    aws.eventBridge.clear();
    const report = (await sweep()) as { alertsPublished: number; waiting: number };
    expect(report).toMatchObject({ alertsPublished: expected.length, waiting: 0 });
    expect(aws.eventBridge.events.map((alert) => String(alert.detail.command)).sort()).toEqual(expected.map((e) => String(e.command)).sort());
    expect(await listObjects(s3ClientFor(aws), aws.bucket, OUTBOX_PREFIX)).toEqual([]);
  });

  it('keeps storing the audit log during an outage of the bus, and delivers every alert at least once when it is back', async () => {
    const { event, expected } = await batchWithAlerts();
    aws.eventBridge.down = true;
    const result = await quietly(() => invokeLocal(aws, event, { SDK_REQUEST_TIMEOUT_MS: '2000' }));
    expect(result.records.every((record) => record.result === 'Ok')).toBe(true);
    expect(aws.eventBridge.events).toEqual([]);
    expect((await storedObjects(aws)).flatMap((object) => object.events).length).toBeGreaterThan(0);
    aws.eventBridge.down = false;
    await sweep();
    const ids = new Set(aws.eventBridge.events.map((alert) => String(alert.detail.alertId)));
    expect(ids.size).toBe(expected.length);
  });

  it('sends at most 1,000 alerts of a batch one by one and sums up the rest per rule, the metric counting every match', async () => {
    // A password-spraying attack: 1,200 failed logins in one batch.
    const base = syntheticEvents('aurora-postgresql', 1)[0] as Event;
    const key = aws.dataKey(RESOURCE);
    const records = await Promise.all(
      Array.from({ length: 6 }, (_, record) =>
        mintDasRecord({
          engine: 'aurora-postgresql',
          key,
          events: Array.from({ length: 200 }, (_, index) => ({ ...base, command: 'AUTH FAILURE', class: 'MISC', statementId: record * 1000 + index, logTime: `2026-11-21 12:00:0${record}.${String(index).padStart(6, '0')}+00` })),
        }),
      ),
    );
    const event = firehoseEvent({ resourceId: RESOURCE, records });
    const { value: result, logs } = await capturingLogs(() => invokeLocal(aws, event));
    expect(result.records.every((record) => record.result === 'Ok')).toBe(true);
    const published = aws.eventBridge.events;
    expect(published).toHaveLength(MAX_ALERTS_PER_BATCH + 1);
    const [summary] = published.filter((alert) => alert.detail.moreMatches !== undefined);
    expect(summary?.detail).toMatchObject({ rule: 'failed-login', severity: 'MEDIUM', moreMatches: 200, resourceId: RESOURCE });
    expect(new Set(published.map((alert) => alert.detail.alertId)).size).toBe(published.length);
    const matches = logs
      .split('\n')
      .filter((line) => line.includes('"AlertMatches"') && !line.includes('"Resource"'))
      .reduce((sum, line) => sum + Number((JSON.parse(line) as { AlertMatches: number }).AlertMatches), 0);
    expect(matches).toBe(1200);
    // Every event is stored all the same.
    expect((await storedObjects(aws)).flatMap((object) => object.events)).toHaveLength(1200);
  });

  it('makes no EventBridge call when every rule is turned off', async () => {
    const { event } = await batchWithAlerts();
    const result = await quietly(() => invokeLocal(aws, event, { ALERTS_DISABLED: 'privilege-change,failed-login,destructive-ddl' }));
    expect(result.records.every((record) => record.result === 'Ok')).toBe(true);
    expect(aws.eventBridge.putEventsCalls).toBe(0);
  });
});

describe('metrics in the log (CloudWatch Embedded Metric Format)', () => {
  it('counts events by class and matches by rule, with only low-cardinality dimensions', async () => {
    const { event, expected } = await batchWithAlerts();
    const { logs } = await capturingLogs(() => invokeLocal(aws, event));
    const emf = logs
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } });
    expect(emf.length).toBeGreaterThan(0);
    const dimensions = new Set(emf.flatMap((line) => line._aws.CloudWatchMetrics.flatMap((metric) => metric.Dimensions.flat())));
    expect([...dimensions].sort()).toEqual(['Class', 'Resource', 'Rule', 'service']);
    for (const line of emf) {
      expect(line._aws.CloudWatchMetrics[0]?.Namespace).toBe('DasFirehose');
      // No user, host or SQL anywhere in a metrics line.
      expect(JSON.stringify(line)).not.toMatch(/app_writer|app_reader|reporting|10\.0\.1\.23|198\.51\.100\.7|select|grant /i);
    }
    const sum = (name: string, where: (line: Record<string, unknown>) => boolean) =>
      emf.filter((line) => line._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name === name && where(line)).reduce((total, line) => total + Number(line[name]), 0);
    // Events three times: in all, by database, and by database and class.
    expect(sum('Events', (line) => line.Resource === undefined)).toBe(event.records.length * 20);
    expect(sum('Events', (line) => line.Resource === RESOURCE && line.Class === undefined)).toBe(event.records.length * 20);
    expect(sum('Events', (line) => line.Class !== undefined)).toBe(event.records.length * 20);
    // AlertMatches twice: by rule (what the alarms watch) and by database and rule.
    expect(sum('AlertMatches', (line) => line.Resource === undefined)).toBe(expected.length);
    expect(sum('AlertMatches', (line) => line.Resource === RESOURCE)).toBe(expected.length);
    expect(sum('AlertMatches', (line) => line.Rule === 'failed-login' && line.Resource === undefined)).toBe(expected.filter((e) => e.command === 'AUTH FAILURE').length);
  });
});
