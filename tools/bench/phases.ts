import { gunzipSync, gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { EncryptionSdkDecrypter } from '../../lambda/adapters/encryption-sdk-decrypter';
import { RdsProfileDecrypter } from '../../lambda/adapters/rds-profile-decrypter';
import { readActivityPayload, type ActivityEvent } from '../../lambda/core/shared/activity-payload';
import { parseEnvelope, type DasEnvelope } from '../../lambda/core/transform/das-envelope';
import { eventFate } from '../../lambda/core/transform/event-filter';
import { eventLine, eventLineLayout, gzipPieces, ndjsonBytes, writeEventLines } from '../../lambda/core/shared/ndjson';
import { receiptLine } from '../../lambda/core/transform/receipt';
import { eventFolder } from '../../lambda/core/shared/partition';
import type { DataKey } from '../../lambda/core/transform/ports';
import { activeRules, RuleMatcher } from '../../lambda/core/alerts/alert-rules';
import { AlertBudget, alertsOf, matchEvent, type AlertMatch } from '../../lambda/core/alerts/alerts';
import { outboxDocument, serializeOutbox } from '../../lambda/core/alerts/outbox';
import { median, round } from './stats';
import type { Workload } from './workloads';

/** One step of the transform, run alone over the whole batch, in sequence. */
export interface PhaseCost {
  readonly phase: string;
  /** Is this step part of the floor (work no implementation can skip)? */
  readonly inFloor: boolean;
  /** Median wall ms for the batch. */
  readonly wallMs: number;
  /** Median process CPU ms (libuv pool threads included). */
  readonly cpuMs: number;
}

const NO_FILTERS = { classes: new Set<string>(), commands: new Set<string>(), users: new Set<string>() };

/**
 * Takes the transformer apart: each step over the whole batch, one record after another, with this
 * tree's own lambda/core functions and adapters. The shipped handler overlaps these steps, so their sum
 * is not its batch time; they say what each step costs, and what an alternative (gzip level 1, a pool trip per record)
 * would cost instead. No I/O: the data keys are given.
 */
export async function measurePhases(workload: Workload, event: FirehoseTransformationEvent, repetitions: number): Promise<PhaseCost[]> {
  const sdk = new EncryptionSdkDecrypter();
  const fastPath = new RdsProfileDecrypter();
  const dataKeys: DataKey[] = workload.keys.map((key, index) => ({ id: `k${index}`, plaintext: Buffer.from(key.plaintext) }));
  const records = event.records;
  const samples = new Map<string, { inFloor: boolean; wall: number[]; cpu: number[] }>();

  const time = async <T>(phase: string, inFloor: boolean, fn: () => Promise<T> | T): Promise<T> => {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const result = await fn();
    const wall = performance.now() - start;
    const cpu = process.cpuUsage(cpuBefore);
    const entry = samples.get(phase) ?? { inFloor, wall: [], cpu: [] };
    entry.wall.push(wall);
    entry.cpu.push((cpu.user + cpu.system) / 1000);
    samples.set(phase, entry);
    return result;
  };

  for (let repetition = 0; repetition < repetitions; repetition++) {
    const envelopes = await time('envelope: base64 + JSON.parse + base64', false, () => records.map((record) => parseEnvelope(record.data)));
    const decryptAll = async (decrypter: EncryptionSdkDecrypter | RdsProfileDecrypter): Promise<Buffer[]> => {
      const out: Buffer[] = [];
      for (const [index, envelope] of envelopes.entries()) {
        const keyIndex = workload.records[index]?.keyIndex ?? 0;
        out.push(await decrypter.decrypt((envelope as DasEnvelope).encryptedEvents, dataKeys[keyIndex] as DataKey));
      }
      return out;
    };
    const gzipped = await time('decrypt (shipped: the RDS-profile fast path)', true, () => decryptAll(fastPath));
    await time('decrypt (alternative: Encryption SDK, DECRYPT_FAST_PATH=off)', true, () => decryptAll(sdk));
    const payloads = await time('gunzip + strict read, events cut out as written (shipped)', true, () =>
      gzipped.map((buffer) => {
        const events: ActivityEvent[] = [];
        const summary = readActivityPayload(buffer, { maxDecompressedBytes: 64 * 1024 * 1024, maxEvents: 100_000 }, (event) => {
          events.push(event);
        });
        return { summary, events };
      }),
    );
    await time('gunzip + JSON.parse (the floor\'s own)', true, () =>
      gzipped.map((buffer) => JSON.parse(gunzipSync(buffer, { maxOutputLength: 64 * 1024 * 1024 }).toString('utf8')) as unknown),
    );
    const kept = await time('filter + partition + line (event text + envelope ids)', false, () =>
      payloads.map((payload, index) => {
        const arrival = (records[index] as { approximateArrivalTimestamp: number }).approximateArrivalTimestamp;
        const lines: Array<{ key: string; line: string }> = [];
        for (const activity of payload.events) {
          if (eventFate(activity, NO_FILTERS) !== 'kept') continue;
          lines.push({ key: eventFolder(activity, arrival), line: eventLine(activity, payload.summary) });
        }
        return lines;
      }),
    );
    // The built-in rules plus a privileged-users list: what a kept event costs to test, in the core's own matcher.
    const matcher = new RuleMatcher(activeRules({ privilegedUsers: ['admin', 'rdsadmin'] }));
    const keptEvents = payloads.flatMap((payload) => payload.events.filter((activity) => eventFate(activity, NO_FILTERS) === 'kept'));
    const matching = await time('alert rules: match every kept event (built-ins + privileged users)', false, () =>
      keptEvents.map((activity) => matchEvent(matcher, activity, '', activity.text, 0).length > 0),
    );
    // The synthetic workloads are rich in sensitive events (a third or more match); real traffic is mostly the rest.
    const quiet = keptEvents.filter((_, index) => !matching[index]);
    await time('alert rules: the same, on only the kept events no rule matches', false, () => quiet.map((activity) => matchEvent(matcher, activity, '', activity.text, 0).length));
    if (workload.spec.alertShare !== undefined) await measureAlertSteps(workload, keptEvents, kept.flat(), time);
    const perRecord = kept.filter((lines) => lines.length > 0).map((lines) => lines.map((item) => item.line));
    // The Ok answer is a receipt per record (lambda/core/transform/receipt.ts): no gzip on the hot path.
    const responses = await time('response receipt per record (shipped)', false, () =>
      perRecord.map((lines, index) => receiptLine({ arrival: index, sequenceNumber: String(index), subsequenceNumber: 0 }, lines.length)),
    );
    await time('response base64', false, () => responses.map((buffer) => buffer.toString('base64')));
    const groups = new Map<string, string[]>();
    await time('group lines by (command, date, hour)', false, () => {
      for (const lines of kept) {
        for (const { key, line } of lines) {
          let group = groups.get(key);
          if (!group) groups.set(key, (group = []));
          group.push(line);
        }
      }
    });
    await time('lines as NDJSON bytes, per record (shipped)', false, () =>
      payloads.map((payload) => writeEventLines(eventLineLayout(payload.summary, payload.events.filter((activity) => eventFate(activity, NO_FILTERS) === 'kept')))),
    );
    const bodies = [...groups.values()].map((lines) => ndjsonBytes(lines));
    await time('object gzip per group (shipped: async, level 6)', false, () => Promise.all(bodies.map((body) => gzipPieces([body]))));
    await time('object gzip per group (alternative: gzipSync level 6)', false, () => [...groups.values()].map((lines) => gzipSync(`${lines.join('\n')}\n`)));
  }
  return [...samples.entries()].map(([phase, entry]) => ({
    phase,
    inFloor: entry.inFloor,
    wallMs: round(median(entry.wall), 1),
    cpuMs: round(median(entry.cpu), 1),
  }));
}

type Timer = <T>(phase: string, inFloor: boolean, fn: () => Promise<T> | T) => Promise<T>;

/**
 * Issue 21: the alert path of a workload with alerts on, step by step, with the rules it runs with (the
 * built-ins): matching with each match's details under the batch's 1,000-alert room, the alerts' ids and
 * keys, and the outbox document's JSON. The outbox PUT itself is one S3 round trip, in the batch time.
 */
async function measureAlertSteps(workload: Workload, keptEvents: readonly ActivityEvent[], lines: ReadonlyArray<{ key: string; line: string }>, time: Timer): Promise<void> {
  const matcher = new RuleMatcher(activeRules({}));
  const budget = new AlertBudget();
  const matches = await time('alerts: match every kept event, details of each match held under the 1,000 cap (shipped)', false, () => {
    const held: AlertMatch[] = [];
    keptEvents.forEach((activity, index) => {
      const { key, line } = lines[index] as { key: string; line: string };
      for (const match of matchEvent(matcher, activity, key, line, 0)) if (budget.take(match.rule)) held.push(match);
    });
    return held;
  });
  const alerts = await time('alerts: ids (SHA-256 of each event line) and object keys', false, () => alertsOf(matches, workload.resourceId, 'bench-batch', budget.overflow));
  const objectKeys = [...new Set(alerts.map((alert) => alert.key))];
  await time('alerts: the outbox document as JSON', false, () => serializeOutbox(outboxDocument(workload.resourceId, 'bench-batch', alerts, new Date(), objectKeys)));
}
