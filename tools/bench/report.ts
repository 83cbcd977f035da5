import type { BenchReport } from './run';
import { formatBytes, formatMs, renderTable } from './stats';

/** The human part of the report: tables of the figures, then the targets. */
export function renderReport(report: BenchReport, markdown = false): string {
  const sections: string[] = [];
  const { settings, machine } = report;
  sections.push(
    `das-firehose bench — ${machine.nproc} × ${machine.cpuModel}, node ${machine.node}; ` +
      `KMS +${settings.kmsLatencyMs} ms, S3 +${settings.s3LatencyMs} ms per request; ` +
      `${settings.inputMiB} MiB of Kinesis payload per batch; medians of ${settings.iterations} runs after ${settings.warmup} warm-up`,
  );

  sections.push(
    renderTable(
      ['workload', 'records', 'events', 'batch ms', 'floor ms', 'batch/floor', 'records/s', 'events/s', 'CPU ms/rec', 'floor CPU ms/rec', 'peak RSS'],
      report.workloads.map((w) => [
        w.name,
        String(w.records),
        String(w.events),
        formatMs(w.batchMs.median),
        formatMs(w.floorMs.median),
        `${w.ratioToFloor.toFixed(2)}×`,
        String(w.recordsPerSecond),
        String(w.eventsPerSecond),
        w.cpuMsPerRecord.toFixed(3),
        w.floorCpuMsPerRecord.toFixed(3),
        formatBytes(w.peakRssBytes),
      ]),
      markdown,
    ),
  );

  sections.push(
    renderTable(
      ['workload', 'floor: decrypt+gunzip+parse', 'KMS trip', 'S3 trip', 'KMS calls (want)', 'PUTs (want)', 'request', 'response', 'resp/req'],
      report.workloads.map((w) => [
        w.name,
        formatMs(w.floorParts.decryptParseMs),
        formatMs(w.floorParts.kmsRoundTripMs),
        formatMs(w.floorParts.s3RoundTripMs),
        `${w.kmsCalls.endpoint} (${w.kmsCalls.expected})`,
        `${w.s3Puts.endpoint} (${w.s3Puts.expected})`,
        formatBytes(w.requestBytes),
        formatBytes(w.responseBytes),
        w.responseToRequest.toFixed(2),
      ]),
      markdown,
    ),
  );

  const sideRows = report.workloads.flatMap((w) => {
    const side = w.sideBySide;
    if (!side) return [];
    return [[
      w.name,
      formatMs(side.batchMs.median),
      formatMs(side.sdkFloorMs),
      formatMs(side.primitivesFloorMs),
      `${side.ratioToSdkFloor.toFixed(2)}×`,
      `${side.ratioToPrimitivesFloor.toFixed(2)}×`,
      (side.cpuMsPerBatch / w.records).toFixed(3),
      String(side.lastRun.alerts ?? '–'),
      `${side.lastRun.kmsCalls ?? '–'} / ${side.lastRun.s3Puts ?? '–'} + ${side.lastRun.journalPuts ?? '–'} + ${side.lastRun.alertPuts ?? '–'}`,
    ]];
  });
  if (sideRows.length) {
    sections.push(
      `the shipped asset (cdk synth's bundle) warm in a process of its own, against the SDK floor and the primitives floor each warm in ` +
        `a process of their own over the same records, each floor charged one KMS and one S3 round trip (ms, medians)${markdown ? '\n\n' : '\n'}` +
        renderTable(
          ['workload', 'asset batch ms', 'SDK floor ms', 'primitives floor ms', 'asset / SDK floor', 'asset / primitives floor', 'asset CPU ms/rec', 'alerts', 'KMS / PUTs: groups + journal + outbox'],
          sideRows,
          markdown,
        ),
    );
  }

  sections.push(
    renderTable(
      ['workload', 'per-event: ran on', 'measured ms', 'whole batch ms (extrap.)', 'KMS calls', 'PUTs', 'modelled ms', 'our speed-up'],
      report.workloads.map((w) => [
        w.name,
        `${w.perEvent.sampledRecords}/${w.perEvent.totalRecords} rec`,
        formatMs(w.perEvent.measuredMs),
        formatMs(w.perEvent.extrapolatedMs),
        String(w.perEvent.batchKmsCalls),
        String(w.perEvent.batchS3Puts),
        formatMs(w.perEvent.modelledMs),
        `${w.speedupOverPerEvent}× (modelled ${w.modelledSpeedupOverPerEvent}×)`,
      ]),
      markdown,
    ),
  );

  const variantRows = report.workloads.flatMap((w) =>
    w.variants.map((v) => [
      w.name,
      v.name,
      formatMs(v.batchMs.median),
      `${v.ratioToFloor.toFixed(2)}×`,
      `${w.ratioToFloor.toFixed(2)}×`,
      v.cpuMsPerRecord.toFixed(3),
      formatBytes(v.responseBytes),
      formatBytes(v.storedBytes),
    ]),
  );
  if (variantRows.length) {
    sections.push(
      renderTable(['workload', 'variant (transformBatch deps)', 'batch ms', 'batch/floor', 'shipped', 'CPU ms/rec', 'response', 'stored'], variantRows, markdown),
    );
  }

  const phaseNames = [...new Set(report.workloads.flatMap((w) => w.phases.map((p) => p.phase)))];
  if (phaseNames.length) {
    sections.push(
      `each step alone over the batch, in sequence (ms; wall / process CPU); [floor] = work the floor does too${markdown ? '\n\n' : '\n'}` +
        renderTable(
          ['step', ...report.workloads.map((w) => w.name)],
          phaseNames.map((phase) => [
            `${report.workloads.some((w) => w.phases.some((p) => p.phase === phase && p.inFloor)) ? '[floor] ' : ''}${phase}`,
            ...report.workloads.map((w) => {
              const p = w.phases.find((item) => item.phase === phase);
              return p ? `${formatMs(p.wallMs)} / ${formatMs(p.cpuMs)}` : '–';
            }),
          ]),
          markdown,
        ),
    );
  }

  const cold = report.coldStart;
  if (cold) {
    sections.push(
      renderTable(
        ['cold start (fresh node, median of ' + cold.runs + ')', 'require ms', 'createHandler ms', 'load+setup ms', 'first 1-record invoke ms'],
        [
          ['--enable-source-maps (as deployed)', cold.withSourceMaps],
          ['no source maps', cold.withoutSourceMaps],
        ].map(([label, times]) => {
          const t = times as typeof cold.withSourceMaps;
          return [label as string, formatMs(t.loadMs), formatMs(t.setupMs), formatMs(t.loadAndSetupMs), formatMs(t.firstInvokeMs)];
        }),
        markdown,
      ) +
        `${markdown ? '\n\n' : '\n'}bundle (esbuild, ${cold.esbuildTarget}, cjs, minified, linked source map, all deps bundled): index.js ${formatBytes(cold.bundleBytes)} ` +
        `(${cold.bundleBytes} B), index.js.map ${formatBytes(cold.sourceMapBytes)}, asset deflated ≈ ${formatBytes(cold.assetDeflatedBytes)}${markdown ? '\n\n' : '\n'}` +
        `largest in index.js: ${cold.largestPackages.map((p) => `${p.name} ${formatBytes(p.bytes)}`).join(', ')}` +
        (cold.memory
          ? `${markdown ? '\n\n' : '\n'}memory: a fresh process with the bundle ran one ${formatBytes(cold.memory.inputBytes)} ${cold.memory.workload} batch ` +
            `(${cold.memory.records} records) in ${formatMs(cold.memory.batchMs)} ms; RSS ${formatBytes(cold.memory.rssBeforeBytes)} before, ` +
            `peak ${formatBytes(cold.memory.maxRssBytes)}`
          : ''),
    );
  }

  sections.push(
    renderTable(
      ['target', 'goal', 'measured', ''],
      report.targets.map((t) => [t.name, t.goal, t.value, t.met ? 'met' : 'MISSED']),
      markdown,
    ),
  );
  sections.push(
    `process peak RSS ${formatBytes(report.processPeakRssBytes)} (harness and all workloads' data included); ` +
      `server process CPU ${report.serverCpuMs} ms (not charged to the transformer; S3 objects kept in ${report.settings.s3Storage}); ran ${report.durationSeconds} s`,
  );
  return sections.join('\n\n');
}
