import realRecords from '../../fixtures/real-records.json';
import referenceEvents from '../../fixtures/reference-events.json';
import { syntheticEvents } from '../../../testkit/das/activity-events';
import { ENGINES, mintDasRecord, PROFILES, SIGNED_SUITE, UNSIGNED_SUITE, type Engine } from '../../../testkit/das/das-synth';
import { LocalAws } from '../../../testkit/aws/local-aws';
import { headerFacts } from '../../support/message-header';

let aws: LocalAws;
beforeAll(async () => {
  aws = await LocalAws.start();
});
afterAll(() => aws.stop());

async function mintedRecord(engine: Engine, suite?: number) {
  const profile = PROFILES[engine];
  const text = await mintDasRecord({
    engine,
    events: syntheticEvents(engine, 3),
    key: aws.dataKey(profile.resourceId),
    ...(suite ? { suite } : {}),
  });
  return JSON.parse(text) as { type: string; version: string; databaseActivityEvents: string; key: string };
}

describe('minted DAS records', () => {
  const real = realRecords.records;
  const realFor = (engine: string) => real.find((record) => record.engine === engine)!.record;

  it.each(['aurora-postgresql', 'aurora-mysql'] as const)(
    'carry the same Encryption SDK header as real %s records, field by field',
    async (engine) => {
      const realHeader = headerFacts(Buffer.from(realFor(engine).databaseActivityEvents, 'base64'));
      const mintedHeader = headerFacts(Buffer.from((await mintedRecord(engine)).databaseActivityEvents, 'base64'));
      expect(mintedHeader).toEqual(realHeader);
    },
  );

  it('match what DAS-NOTES records of the real headers', () => {
    const pg = headerFacts(Buffer.from(realFor('aurora-postgresql').databaseActivityEvents, 'base64'));
    expect(pg).toMatchObject({ suiteId: '0x0178', signed: false, contextKeys: [], frameLength: 4096 });
    const mysql = headerFacts(Buffer.from(realFor('aurora-mysql').databaseActivityEvents, 'base64'));
    expect(mysql).toMatchObject({ suiteId: '0x0378', signed: true, contextKeys: ['aws-crypto-public-key'], frameLength: 262144 });
    for (const header of [pg, mysql]) expect(header.dataKeys).toEqual([{ providerId: 'BC', providerInfo: 'DataKey' }]);
  });

  it.each(ENGINES)('have the outer JSON shape of real records for %s', async (engine) => {
    const minted = await mintedRecord(engine);
    expect(Object.keys(minted).sort()).toEqual(Object.keys(real[0]!.record).sort());
    expect(minted.type).toBe('DatabaseActivityMonitoringRecords');
    const header = headerFacts(Buffer.from(minted.databaseActivityEvents, 'base64'));
    expect(header.dataKeys).toEqual([{ providerId: 'BC', providerInfo: 'DataKey' }]);
    expect([UNSIGNED_SUITE, SIGNED_SUITE].map((id) => `0x0${id.toString(16)}`)).toContain(header.suiteId);
  });

  it('can mint either suite for any engine', async () => {
    const signedPg = headerFacts(Buffer.from((await mintedRecord('aurora-postgresql', SIGNED_SUITE)).databaseActivityEvents, 'base64'));
    expect(signedPg.signed).toBe(true);
    const unsignedMysql = headerFacts(Buffer.from((await mintedRecord('aurora-mysql', UNSIGNED_SUITE)).databaseActivityEvents, 'base64'));
    expect(unsignedMysql.signed).toBe(false);
  });
});

describe('synthetic events', () => {
  const referenceFor = (engine: string) => referenceEvents.events.find((e) => e.engine === engine)!.event as Record<string, unknown>;
  const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

  it.each(ENGINES)('have the field set of the real %s events', (engine) => {
    const reference = referenceFor(engine);
    const [event] = syntheticEvents(engine, 1);
    expect(Object.keys(event!).sort()).toEqual(expect.arrayContaining(Object.keys(reference).sort()));
  });

  it('reproduce each engine\'s typing quirks', () => {
    const sqlServer = syntheticEvents('rds-sqlserver', 5);
    for (const event of sqlServer) {
      expect(event.statementId).toMatch(/^0x[0-9a-f]+$/);
      expect(event.pid).toBeNull();
      expect(event.logTime).toMatch(/\.\d{7}\+00$/);
    }
    const mysql = syntheticEvents('aurora-mysql', 40);
    expect(mysql.every((event) => typeOf(event.exitCode) === 'string')).toBe(true);
    expect(new Set(mysql.map((event) => event.class))).toEqual(new Set(['MAIN', 'AUX']));
    const oracle = syntheticEvents('rds-oracle', 10);
    expect(oracle.every((event) => event.dbUserName === String(event.dbUserName).toUpperCase())).toBe(true);
    expect(PROFILES['rds-oracle'].clusterId).toBeUndefined();
    expect(syntheticEvents('aurora-postgresql', 3)[0]!.logTime).toMatch(/\.\d{6}\+00$/);
  });

  it('mix in heartbeats at the requested share', () => {
    const events = syntheticEvents('aurora-postgresql', 1000, { heartbeatShare: 0.5 });
    const share = events.filter((event) => event.type === 'heartbeat').length / events.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
  });
});
