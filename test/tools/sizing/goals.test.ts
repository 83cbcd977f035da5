import { CUTOFF_BYTES, projectGoals, type ScanFigures } from '../../../tools/sizing/goals';

/** A run of 7 days whose one-stream copy weighs 7 GB: x3 to 3 GB a day. */
const LAYOUTS = [
  { name: 'events', bytes: 14e9 },
  { name: 'firehose-10', bytes: 14e9 },
  { name: 'firehose-stream', bytes: 7e9 },
  { name: 'parquet-sorted', bytes: 2e9 },
];

function figures(parquet: { user: number; hour: number; failed: number }, folders = 0.7e6): ScanFigures[] {
  return [
    { query: 'user', layout: 'firehose-10', scannedBytes: 14e9 },
    { query: 'user', layout: 'firehose-stream', scannedBytes: 7e9 },
    { query: 'user', layout: 'parquet-sorted', scannedBytes: parquet.user },
    { query: 'table', layout: 'parquet-sorted', scannedBytes: parquet.user },
    { query: 'per-command-hour', layout: 'firehose-10', scannedBytes: 2e9 },
    { query: 'per-command-hour', layout: 'parquet-sorted', scannedBytes: parquet.hour },
    { query: 'failed-logins', layout: 'events', scannedBytes: folders },
    { query: 'failed-logins', layout: 'parquet-sorted', scannedBytes: parquet.failed },
  ];
}

describe('the sizing goals', () => {
  it('projects a 7-day scan to 90 days at 3 GB a day of activity', () => {
    const goals = projectGoals(figures({ user: 1e9, hour: 1e6, failed: 6e6 }), LAYOUTS, 7);
    expect(goals.scale).toBeCloseTo(3);
    // 1 GB over 7 days, x3, for 90 days.
    expect(goals.projections.find((projection) => projection.layout === 'parquet-sorted')!.userBytes).toBeCloseTo((1e9 / 7) * 90 * 3);
    // Today's copy as one gzip stream: 3 GB a day, 270 GB over 90 days, cancelled.
    const stream = goals.projections.find((projection) => projection.layout === 'firehose-stream')!;
    expect(stream.userBytes).toBeCloseTo(270e9);
    expect(stream.userUnderCutoff).toBe(false);
    expect(goals.checks.map((check) => check.met)).toEqual([true, true, true, true]);
  });

  it('fails the cut-off and the 10% goals when the columnar table reads too much', () => {
    const tooMuch = (CUTOFF_BYTES / 90 / 3) * 7 * 1.01;
    const goals = projectGoals(figures({ user: tooMuch, hour: 0.21e9, failed: 6e6 }), LAYOUTS, 7);
    expect(goals.checks.map((check) => check.met)).toEqual([false, false, false, true]);
  });

  it('compares failed logins as Athena bills them: at least 10 MB a query', () => {
    const cheap = projectGoals(figures({ user: 1e9, hour: 1e6, failed: 9.9e6 }), LAYOUTS, 7);
    expect(cheap.checks[3]).toMatchObject({ met: true, measured: '9.90 MB against 0.70 MB: billed 10.00 MB against 10.00 MB' });
    const dear = projectGoals(figures({ user: 1e9, hour: 1e6, failed: 12e6 }), LAYOUTS, 7);
    expect(dear.checks[3]!.met).toBe(false);
  });
});
