import { gzipSync } from 'node:zlib';
import { activeRules, RuleMatcher } from '../../../lambda/core/alerts/alert-rules';
import { MAX_ALERTS_PER_BATCH, matchEvent } from '../../../lambda/core/alerts/alerts';
import { readActivityPayload, type ActivityEvent } from '../../../lambda/core/shared/activity-payload';
import { loadConfig } from '../../../lambda/config';
import { activityJson, PROFILES } from '../../../testkit/das/das-synth';
import { recordEvents, REALISTIC_ALERT_SHARE, STORM_ALERT_SHARE, workloadEnvironment, WORKLOADS, type WorkloadSpec } from '../../../tools/bench/workloads';

/**
 * The benchmark's alert workloads (issue 21) hold what their names say: read as the transformer reads
 * them and matched by the built-in rules, about 1 % (realistic) or 20 % (storm) of the events raise
 * exactly one alert each, spread over the batch; the workloads without alerts run with every rule off.
 */

const LIMITS = { maxDecompressedBytes: 64 * 1024 * 1024, maxEvents: 100_000 };
const MATCHER = new RuleMatcher(activeRules({}));
/** About the records of a 1 MiB batch of 10-event records (the bench's default). */
const RECORDS_OF_TEN = 550;

function spec(name: string): WorkloadSpec {
  const found = WORKLOADS.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no workload ${name}`);
  return found;
}

/** Alerts raised by each event of the first `records` records, as the transformer reads and matches them. */
function alertsPerEvent(workload: WorkloadSpec, records: number): number[] {
  const counts: number[] = [];
  for (let index = 0; index < records; index++) {
    const json = activityJson(PROFILES[workload.engine], recordEvents(workload, index));
    readActivityPayload(gzipSync(json), LIMITS, (event: ActivityEvent) => {
      counts.push(matchEvent(MATCHER, event, 'events/command=X/date=2026-11-21/hour=12/', event.text, 0).length);
    });
  }
  return counts;
}

describe('benchmark workloads with alerts', () => {
  it.each([
    ['pg-10-alerts', REALISTIC_ALERT_SHARE, RECORDS_OF_TEN],
    ['mysql-10-alerts', REALISTIC_ALERT_SHARE, RECORDS_OF_TEN],
    ['pg-1-alerts', REALISTIC_ALERT_SHARE, 2000],
    ['pg-10-storm', STORM_ALERT_SHARE, RECORDS_OF_TEN],
    ['mysql-10-storm', STORM_ALERT_SHARE, RECORDS_OF_TEN],
    ['pg-1-storm', STORM_ALERT_SHARE, 1000],
  ])('%s: %s of the events raise one alert each, spread over the batch', (name, share, records) => {
    const counts = alertsPerEvent(spec(name), records);
    const raising = counts.filter((count) => count > 0).length;
    expect(counts.every((count) => count <= 1)).toBe(true);
    expect(Math.abs(raising / counts.length - share)).toBeLessThan(0.001);
    // Spread: each tenth of the batch holds its share too, within one event either way.
    const tenth = Math.floor(counts.length / 10);
    for (let part = 0; part < 10; part++) {
      const slice = counts.slice(part * tenth, (part + 1) * tenth).filter((count) => count > 0).length;
      expect(Math.abs(slice - tenth * share)).toBeLessThanOrEqual(1);
    }
  });

  it('makes a 10-event storm of a 1 MiB batch pass the 1,000-alerts-a-batch cap', () => {
    for (const name of ['pg-10-storm', 'mysql-10-storm']) {
      const raising = alertsPerEvent(spec(name), RECORDS_OF_TEN).filter((count) => count > 0).length;
      expect(raising).toBeGreaterThan(MAX_ALERTS_PER_BATCH);
    }
  });

  it('runs the workloads without alerts with every rule off, and the alert workloads with the built-in rules', () => {
    const rules = (name: string) => loadConfig({ BUCKET_NAME: 'bench', ...workloadEnvironment(spec(name)) }).alertRules ?? [];
    for (const name of ['pg-1', 'pg-10', 'mysql-10', 'heartbeat', 'multi-key']) expect(rules(name)).toEqual([]);
    for (const name of ['pg-10-alerts', 'pg-10-storm', 'mysql-10-alerts', 'mysql-10-storm', 'pg-1-alerts', 'pg-1-storm']) {
      expect(rules(name).map((rule) => rule.id)).toEqual(activeRules({}).map((rule) => rule.id));
    }
  });
});
