import type { Alert } from '../../../../lambda/core/alerts/alerts';
import { alertOutboxKey, outboxDocument, serializeOutbox } from '../../../../lambda/core/alerts/outbox';
import { publishOutbox, type AlertOutbox, type AlertSink, type OutboxBody, type PendingObject } from '../../../../lambda/core/alerts/publish-outbox';
import { eventObjectsOf, sampleAlerts } from '../../../support/sample-alerts';

/** The outbox in memory: objects by key, with a version that changes on every write. */
class MemoryOutbox implements AlertOutbox {
  readonly objects = new Map<string, { text: string; version: number; lastModified: Date }>();
  readonly setAside = jest.fn(async (key: string, prefix: string, reason: string) => {
    const object = this.objects.get(key)!;
    this.objects.delete(key);
    this.aside.set(`${prefix}${key.slice('alerts/pending/'.length)}`, { text: object.text, reason });
  });
  readonly aside = new Map<string, { text: string; reason: string }>();
  private versions = 0;
  /** The event objects stored in the bucket, which outbox objects name. */
  readonly stored = new Set<string>();
  /** Runs before a removal: lets a test rewrite the object in between, as a retry of the batch would. */
  beforeRemove?: (key: string) => void;

  put(key: string, text: string, lastModified: Date): void {
    this.objects.set(key, { text, version: ++this.versions, lastModified });
  }

  async list(): Promise<PendingObject[]> {
    return [...this.objects].map(([key, object]) => ({ key, lastModified: object.lastModified })).sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime());
  }

  async read(key: string): Promise<OutboxBody | undefined> {
    const object = this.objects.get(key);
    return object && { text: object.text, etag: String(object.version) };
  }

  async missing(keys: readonly string[]): Promise<string[]> {
    return keys.filter((key) => !this.stored.has(key));
  }

  async remove(key: string, etag: string): Promise<boolean> {
    this.beforeRemove?.(key);
    const object = this.objects.get(key);
    if (object && String(object.version) !== etag) return false;
    this.objects.delete(key);
    return true;
  }
}

/** A target that records what it took, and fails or refuses on demand. */
class MemorySink implements AlertSink {
  readonly received: Alert[] = [];
  down = false;
  refuse = new Set<string>();
  constructor(readonly name: string) {}
  async publish(alerts: readonly Alert[]) {
    if (this.down) throw new Error(`${this.name} unreachable`);
    this.received.push(...alerts.filter((alert) => !this.refuse.has(alert.id)));
    return { refused: alerts.filter((alert) => this.refuse.has(alert.id)).map((alert) => ({ alertId: alert.id, reason: 'InvalidInput: bad' })) };
  }
}

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const engines = ['aurora-postgresql', 'aurora-mysql', 'rds-oracle'] as const;
const batches = engines.map((engine, index) => {
  const { alerts, resourceId, batchName } = sampleAlerts(engine);
  const objects = eventObjectsOf(alerts);
  return { key: alertOutboxKey(resourceId, batchName), alerts, objects, text: serializeOutbox(outboxDocument(resourceId, batchName, alerts, new Date(NOW), objects)), age: (index + 1) * 100 };
});
const everyId = batches.flatMap((batch) => batch.alerts.map((alert) => alert.id)).sort();

function world() {
  const outbox = new MemoryOutbox();
  for (const batch of batches) {
    outbox.put(batch.key, batch.text, new Date(NOW - batch.age * 1000));
    for (const key of batch.objects) outbox.stored.add(key);
  }
  const bus = new MemorySink('eventbridge');
  const hub = new MemorySink('securityhub');
  return { outbox, bus, hub, deps: { outbox, sinks: [bus, hub], now: () => NOW, concurrency: 1 } };
}

describe('publishOutbox', () => {
  it('sends every alert to every target and removes the objects: the backlog is then empty', async () => {
    const { outbox, bus, hub, deps } = world();
    const report = await publishOutbox(deps);
    expect(bus.received.map((alert) => alert.id).sort()).toEqual(everyId);
    expect(hub.received.map((alert) => alert.id).sort()).toEqual(everyId);
    expect(outbox.objects.size).toBe(0);
    expect(report).toMatchObject({ objectsPublished: 3, alertsPublished: everyId.length, waiting: 0, oldestAgeSeconds: 0, failed: [] });
    expect(report.alertsBySink).toEqual({ eventbridge: everyId.length, securityhub: everyId.length });
  });

  it('sends nothing for an object until every event object it names is stored, then sends it', async () => {
    const { outbox, bus, hub, deps } = world();
    const [waiting, ...others] = batches as [(typeof batches)[number], ...typeof batches];
    const late = waiting.objects[waiting.objects.length - 1] as string;
    outbox.stored.delete(late);
    const slept: number[] = [];
    const sleep = async (ms: number) => void slept.push(ms);
    // A notification's run looks again after 1, 2, 4 and 8 s, then leaves it pending: no alert of it sent.
    const notified = await publishOutbox({ ...deps, sleep }, { keys: [waiting.key] });
    expect(slept).toEqual([1000, 2000, 4000, 8000]);
    expect(notified.awaitingEvents).toEqual([{ key: waiting.key, reason: `1 of its ${waiting.objects.length} event objects not stored yet` }]);
    const waitingIds = new Set(waiting.alerts.map((alert) => alert.id));
    expect(bus.received.filter((alert) => waitingIds.has(alert.id))).toEqual([]);
    expect(hub.received.filter((alert) => waitingIds.has(alert.id))).toEqual([]);
    // A sweep looks once (its objects are old enough for their writes to have ended) and sends the others.
    slept.length = 0;
    const swept = await publishOutbox({ ...deps, sleep });
    expect(slept).toEqual([]);
    expect(swept).toMatchObject({ objectsPublished: others.length, waiting: 1, awaitingEvents: [{ key: waiting.key }] });
    expect(outbox.objects.has(waiting.key)).toBe(true);
    expect(bus.received.filter((alert) => waitingIds.has(alert.id))).toEqual([]);

    outbox.stored.add(late);
    const second = await publishOutbox(deps);
    expect(second).toMatchObject({ objectsPublished: 1, awaitingEvents: [], waiting: 0 });
    expect(bus.received.map((alert) => alert.id).sort()).toEqual(everyId);
  });

  it('sends an object whose last event object lands while its notification waits, in the same run', async () => {
    const { outbox, bus, deps } = world();
    const [waiting] = batches as [(typeof batches)[number]];
    const late = waiting.objects[0] as string;
    outbox.stored.delete(late);
    const slept: number[] = [];
    const sleep = async (ms: number) => void (slept.push(ms), slept.length === 2 && outbox.stored.add(late));
    const report = await publishOutbox({ ...deps, sleep }, { keys: [waiting.key] });
    expect(slept).toEqual([1000, 2000]);
    expect(report).toMatchObject({ objectsPublished: 1, awaitingEvents: [] });
    expect(bus.received).toHaveLength(waiting.alerts.length);
  });

  it('keeps every object while a target fails, reports the backlog, and delivers all once it is back', async () => {
    const { outbox, bus, hub, deps } = world();
    hub.down = true;
    const during = await publishOutbox(deps);
    expect(outbox.objects.size).toBe(3);
    expect(during).toMatchObject({ objectsPublished: 0, waiting: 3, oldestAgeSeconds: 300 });
    // The run stops at the first failure instead of hammering a target that is down.
    expect(during.failed).toEqual([{ key: batches[2]!.key, sink: 'securityhub', reason: expect.stringContaining('securityhub unreachable') }]);
    hub.down = false;
    const after = await publishOutbox(deps);
    expect(after).toMatchObject({ objectsPublished: 3, waiting: 0 });
    expect(hub.received.map((alert) => alert.id).sort()).toEqual(everyId);
    // At least once: the bus saw the first object's alerts twice, under the same ids.
    expect(new Set(bus.received.map((alert) => alert.id)).size).toBe(everyId.length);
    expect(bus.received.length).toBeGreaterThan(everyId.length);
  });

  it('publishes only the objects a notification names, without measuring the backlog', async () => {
    const { outbox, bus, deps } = world();
    const report = await publishOutbox(deps, { keys: [batches[0]!.key, batches[0]!.key] });
    expect(report.objectsPublished).toBe(1);
    expect(report.waiting).toBeUndefined();
    expect(bus.received).toHaveLength(batches[0]!.alerts.length);
    expect(outbox.objects.size).toBe(2);
  });

  it('leaves young objects to their notification in a sweep, counting them as waiting', async () => {
    const { outbox, deps } = world();
    const report = await publishOutbox(deps, { minAgeMs: 150_000 });
    expect(report).toMatchObject({ objectsPublished: 2, waiting: 1, oldestAgeSeconds: 100 });
    expect([...outbox.objects.keys()]).toEqual([batches[0]!.key]);
  });

  it('moves an unreadable object aside and reports it; the others are published', async () => {
    const { outbox, bus, deps } = world();
    outbox.put(batches[1]!.key, '{"format":"das-firehose/alert-outbox","version":1', new Date(NOW - 50_000));
    const report = await publishOutbox(deps);
    expect(report.unreadable).toEqual([{ key: batches[1]!.key, reason: expect.stringContaining('is not JSON') }]);
    expect(outbox.aside.get(`alerts/unreadable/${batches[1]!.key.slice('alerts/pending/'.length)}`)?.text).toContain('alert-outbox');
    expect(report).toMatchObject({ objectsPublished: 2, waiting: 0 });
    expect(bus.received).toHaveLength(batches[0]!.alerts.length + batches[2]!.alerts.length);
  });

  it('moves an object aside when a target refuses an alert for its own content, after the other targets took it', async () => {
    const { outbox, bus, hub, deps } = world();
    const refused = batches[0]!.alerts[0]!.id;
    hub.refuse.add(refused);
    const report = await publishOutbox(deps);
    expect(report.refused).toEqual([{ key: batches[0]!.key, sink: 'securityhub', reason: expect.stringContaining(refused) }]);
    expect(report.alertsRefused).toBe(1);
    expect(outbox.objects.size).toBe(0);
    expect(outbox.aside.has(`alerts/refused/${batches[0]!.key.slice('alerts/pending/'.length)}`)).toBe(true);
    expect(bus.received.map((alert) => alert.id)).toContain(refused);
  });

  it('never removes an object rewritten since it was read (a retry of its batch): the next run sends it again', async () => {
    const { outbox, bus, deps } = world();
    outbox.beforeRemove = (key) => {
      if (key !== batches[0]!.key) return;
      outbox.put(key, batches[0]!.text, new Date(NOW));
      outbox.beforeRemove = undefined;
    };
    const first = await publishOutbox(deps);
    expect(first).toMatchObject({ objectsPublished: 2, waiting: 1 });
    expect(outbox.objects.has(batches[0]!.key)).toBe(true);
    await publishOutbox(deps);
    expect(outbox.objects.size).toBe(0);
    expect(bus.received.filter((alert) => alert.id === batches[0]!.alerts[0]!.id)).toHaveLength(2);
  });

  it('stops starting objects once the signal aborts; what is left stays pending', async () => {
    const { outbox, deps } = world();
    const controller = new AbortController();
    controller.abort();
    const report = await publishOutbox(deps, {}, controller.signal);
    expect(report).toMatchObject({ objectsPublished: 0, waiting: 3 });
    expect(outbox.objects.size).toBe(3);
  });
});
