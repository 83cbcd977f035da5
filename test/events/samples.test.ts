import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { FirehoseEventSchema, FirehoseResponseSchema } from '../support/firehose-schemas';
import { invokeLocal, LocalAws, startLocalAws } from '../support/local-aws';
import { quietly } from '../support/logs';

const EVENTS = join(__dirname, '../../events');
const samples = readdirSync(EVENTS)
  .filter((name) => name.endsWith('.json'))
  .map((name) => [name, JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as FirehoseTransformationEvent] as const);

describe('the committed sample events', () => {
  it('are all here: every engine, heartbeats only, and malformed records', () => {
    expect(samples.map(([name]) => name).sort()).toEqual([
      'aurora-mysql.json',
      'aurora-postgresql.json',
      'heartbeats-only.json',
      'mixed-malformed.json',
      'rds-oracle.json',
      'rds-sqlserver.json',
    ]);
  });

  it.each(samples)('%s is a Firehose event as Firehose sends it (Powertools parser schema)', (_name, event) => {
    const parsed = FirehoseEventSchema.safeParse(event);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('shows that the schema can fail: a string subsequenceNumber, as some published samples have, is refused', () => {
    const [, event] = samples[0]!;
    const stringly = { ...event, records: event.records.map((record) => ({ ...record, kinesisRecordMetadata: { ...record.kinesisRecordMetadata, subsequenceNumber: '0' } })) };
    expect(FirehoseEventSchema.safeParse(stringly).success).toBe(false);
  });
});

describe("the handler's answers to the samples", () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(() => aws.stop());

  it.each(samples)('%s: a valid Firehose response with every record ID once, in order', async (_name, event) => {
    const response = await quietly(() => invokeLocal(aws, event));
    const parsed = FirehoseResponseSchema.safeParse(response);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(response.records.map((record) => record.recordId)).toEqual(event.records.map((record) => record.recordId));
  });

  it('shows that the response schema can fail: an answer without data, or with an unknown result, is refused', () => {
    expect(FirehoseResponseSchema.safeParse({ records: [{ recordId: 'a', result: 'Ok' }] }).success).toBe(false);
    expect(FirehoseResponseSchema.safeParse({ records: [{ recordId: 'a', result: 'Skipped', data: 'AA==' }] }).success).toBe(false);
  });
});
