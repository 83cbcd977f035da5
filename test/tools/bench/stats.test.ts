import { formatBytes, formatMs, median, quantile, renderTable, round, spread } from '../../../tools/bench/stats';
import { parseBenchArgs, parseVariant } from '../../../tools/bench/options';
import { sampleIndexes } from '../../../tools/bench/per-event';
import { groupOf } from '../../../tools/bench/workloads';
import { packageOf } from '../../../tools/bench/cold-start';

describe('median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
  });
  it('averages the middle two of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('is NaN for no values and ignores non-finite ones', () => {
    expect(median([])).toBeNaN();
    expect(median([Number.NaN, 2])).toBe(2);
  });
  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('quantile', () => {
  it('interpolates between closest ranks', () => {
    expect(quantile([10, 20, 30, 40, 50], 0.9)).toBeCloseTo(46);
    expect(quantile([10, 20], 0)).toBe(10);
    expect(quantile([10, 20], 1)).toBe(20);
  });
  it('refuses q outside 0–1', () => {
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });
});

describe('spread', () => {
  it('gives median, min, max and the rounded samples', () => {
    expect(spread([3.14159, 1, 2])).toEqual({ median: 2, min: 1, max: 3.14159, samples: [3.142, 1, 2] });
  });
});

describe('formatting', () => {
  it('rounds, and prints bytes in binary units and milliseconds by size', () => {
    expect(round(1.23456, 2)).toBe(1.23);
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MiB');
    expect(formatMs(0.4123)).toBe('0.412');
    expect(formatMs(12.34)).toBe('12.3');
    expect(formatMs(1234.5)).toBe('1235');
  });
  it('renders a table with numbers right-aligned', () => {
    expect(renderTable(['name', 'ms'], [['a', '1.5'], ['bb', '10.0']])).toBe(
      ['name    ms', '----  ----', 'a      1.5', 'bb    10.0'].join('\n'),
    );
  });
  it('renders the same table as Markdown', () => {
    expect(renderTable(['name', 'ms'], [['a', '1.5']], true)).toBe(['| name |  ms |', '|------|----:|', '| a    | 1.5 |'].join('\n'));
  });
});

describe('parseBenchArgs', () => {
  it('has the issue\'s defaults', () => {
    expect(parseBenchArgs([])).toMatchObject({ kmsLatencyMs: 15, s3LatencyMs: 25, s3OnDisk: false, inputMiB: 1, warmup: 5, iterations: 5, variants: [] });
  });
  it('reads latencies, size and variants', () => {
    const options = parseBenchArgs(['--kms-latency-ms', '5', '--s3-latency-ms=0', '--s3-on-disk', '--input-mb', '3', '--variant', 'gzip=1,conc=4']);
    expect(options).toMatchObject({ kmsLatencyMs: 5, s3LatencyMs: 0, s3OnDisk: true, inputMiB: 3 });
    expect(options.variants).toEqual([{ name: 'gzip=1,conc=4', gzipLevel: 1, recordConcurrency: 4 }]);
  });
  it('refuses a batch larger than Firehose sends and unknown variant settings', () => {
    expect(() => parseBenchArgs(['--input-mb', '4'])).toThrow(/input-mb/);
    expect(() => parseVariant('zstd=1')).toThrow(/unknown setting/);
    expect(parseVariant('s3conc=64')).toEqual({ name: 's3conc=64', s3Concurrency: 64 });
  });
});

describe('sampleIndexes', () => {
  it('spreads records through the batch within the round-trip budget', () => {
    expect(sampleIndexes(100, Array(100).fill(11), 44)).toEqual([12, 37, 62, 87]);
  });
  it('takes at least one record and at most all', () => {
    expect(sampleIndexes(10, Array(10).fill(1000), 5)).toHaveLength(1);
    expect(sampleIndexes(3, [1, 1, 1], 1000)).toEqual([0, 1, 2]);
  });
});

describe('groupOf', () => {
  it('names the (command, date, hour) group by issue 2\'s rules', () => {
    expect(groupOf({ command: 'CREATE TABLE', logTime: '2026-11-21 11:59:59.123456+00' })).toBe('CREATE_TABLE/2026-11-21/11');
    expect(groupOf({ command: null, logTime: '2026-11-21 12:00:00.1234561' })).toBe('UNKNOWN/2026-11-21/12');
    expect(groupOf({ command: '--', logTime: '2026-11-21 12:00:00' })).toBe('UNKNOWN/2026-11-21/12');
  });
});

describe('packageOf', () => {
  it('names the package a bundled file came from', () => {
    expect(packageOf('node_modules/@aws-sdk/client-s3/dist-cjs/index.js')).toBe('@aws-sdk/client-s3');
    expect(packageOf('node_modules/bn.js/lib/bn.js')).toBe('bn.js');
    expect(packageOf('lambda/handler.ts')).toBe('(das-firehose)');
  });
});
