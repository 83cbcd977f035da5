import {
  alertOutboxKey,
  OUTBOX_PREFIX,
  outboxDocument,
  OutboxFormatError,
  readOutbox,
  REFUSED_PREFIX,
  serializeOutbox,
  setAsideKey,
  UNREADABLE_PREFIX,
} from '../../../../lambda/core/alerts/outbox';
import { eventObjectsOf, sampleAlerts } from '../../../support/sample-alerts';

const { alerts, resourceId, batchName } = sampleAlerts('aurora-postgresql', { sqlTextChars: 20 });
const key = alertOutboxKey(resourceId, batchName);
const objects = eventObjectsOf(alerts);
const text = serializeOutbox(outboxDocument(resourceId, batchName, alerts, new Date('2026-11-21T12:00:00Z'), objects));

/** The document with one change, as text. */
function edited(change: (doc: Record<string, unknown>) => void): string {
  const doc = JSON.parse(text) as Record<string, unknown>;
  change(doc);
  return JSON.stringify(doc);
}

describe('alert outbox document', () => {
  it('names a batch by its resource and batch name under alerts/pending/, the same on every attempt', () => {
    expect(key).toBe(`alerts/pending/${resourceId}/${batchName}.json`);
    expect(alertOutboxKey(resourceId, batchName)).toBe(key);
    expect(() => alertOutboxKey('../events', batchName)).toThrow(OutboxFormatError);
    expect(() => alertOutboxKey(resourceId, 'a/b')).toThrow(OutboxFormatError);
  });

  it('reads back what was written: every alert, ids and opted-in SQL text included, and the event objects to wait for', () => {
    expect(alerts.length).toBeGreaterThan(5);
    expect(objects.length).toBeGreaterThan(1);
    const reading = readOutbox(key, text);
    expect(reading).toEqual({ document: { format: 'das-firehose/alert-outbox', version: 1, resourceId, batchName, writtenAt: '2026-11-21T12:00:00.000Z', alerts, objects } });
    expect(alerts.some((alert) => alert.details.commandText !== undefined)).toBe(true);
  });

  it('keeps summary alerts (moreMatches) and an empty list', () => {
    const summary = { ...alerts[0]!, moreMatches: 12, key: 'events/' };
    const reading = readOutbox(key, serializeOutbox(outboxDocument(resourceId, batchName, [summary], new Date(0), objects)));
    expect('document' in reading && reading.document.alerts[0]?.moreMatches).toBe(12);
    expect(readOutbox(key, serializeOutbox(outboxDocument(resourceId, batchName, [], new Date(0), [])))).toHaveProperty('document.alerts', []);
  });

  it('reads a document written before outbox objects named their event objects: nothing to wait for', () => {
    const reading = readOutbox(key, edited((doc) => delete doc.objects));
    expect(reading).toHaveProperty('document.alerts', alerts);
    expect(reading).not.toHaveProperty('document.objects');
  });

  it.each([
    ['not JSON', 'not json {', /is not JSON/],
    ['another format', edited((doc) => (doc.format = 'something-else')), /format/],
    ['a version it does not read', edited((doc) => (doc.version = 2)), /version 2/],
    ['a batch its key does not name', edited((doc) => (doc.batchName = 'cluster-OTHER-0123')), /names another batch/],
    ['alerts not a list', edited((doc) => (doc.alerts = {})), /alerts is not a list/],
    ['an alert without its id', edited((doc) => delete (doc.alerts as Array<Record<string, unknown>>)[1]!.id), /alerts\[1\]: id/],
    ['an unknown severity', edited((doc) => ((doc.alerts as Array<Record<string, unknown>>)[0]!.severity = 'URGENT')), /severity/],
    ['an alert of another database', edited((doc) => ((doc.alerts as Array<Record<string, unknown>>)[0]!.resourceId = 'db-X')), /resourceId/],
    ['a detail that is a number', edited((doc) => (((doc.alerts as Array<Record<string, unknown>>)[0]!.details as Record<string, unknown>).dbUserName = 5)), /dbUserName/],
    ['objects not a list', edited((doc) => (doc.objects = 'events/')), /objects is not a list/],
    ['an object outside events/', edited((doc) => (doc.objects = ['journal/x/' + batchName + '.jsonl.gz'])), /objects\[0\] is not an event object of the batch/],
    ['an object whose name only ends like the batch\'s', edited((doc) => (doc.objects = [`events/command=SELECT/date=2026-11-21/hour=12/x${batchName}.jsonl.gz`])), /objects\[0\]/],
    ['an object of another batch', edited((doc) => (doc.objects = [...objects, 'events/command=SELECT/date=2026-11-21/hour=12/cluster-OTHER-0123.jsonl.gz'])), new RegExp(`objects\\[${objects.length}\\]`)],
    ['a negative moreMatches', edited((doc) => ((doc.alerts as Array<Record<string, unknown>>)[0]!.moreMatches = -1)), /moreMatches/],
  ])('answers %s as unreadable, naming the key and the fault, without throwing', (_, body, reason) => {
    const reading = readOutbox(key, body);
    expect(reading).toEqual({ unreadable: expect.stringMatching(reason) });
    expect((reading as { unreadable: string }).unreadable).toContain(key);
  });

  it('sets objects aside under the same path', () => {
    expect(setAsideKey(key, UNREADABLE_PREFIX)).toBe(`alerts/unreadable/${resourceId}/${batchName}.json`);
    expect(setAsideKey(key, REFUSED_PREFIX)).toBe(`alerts/refused/${resourceId}/${batchName}.json`);
    expect(key.startsWith(OUTBOX_PREFIX)).toBe(true);
  });
});
