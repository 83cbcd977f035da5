/**
 * npm run replay -- --function <name> | --bucket <name> | --local [--since …] [--until …] [--resource-id …] [--dry-run | --report]
 *
 * Re-drives Firehose's error output through the transformer once the cause is fixed. See --help.
 */
import { runMain } from '../local/commands/cli';
import { serversDownMessage } from '../local/commands/servers-down';
import { formatReplayReport, formatUnreplayable, listUnreplayable, parseReplay, REPLAY_USAGE, replayFailure, runReplay } from '../local/commands/replay';

// The transformer's log lines (one per batch, one per failed record) go to stderr with the progress;
// stdout carries the report alone.
const writeStdout = process.stdout.write.bind(process.stdout);
const writeStderr = process.stderr.write.bind(process.stderr);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

runMain('replay', async () => {
  const command = parseReplay(process.argv.slice(2));
  if (!command) {
    writeStdout(REPLAY_USAGE);
    return;
  }
  if (command.report) {
    const listing = await listUnreplayable(command);
    writeStdout(command.format === 'json' ? `${JSON.stringify(listing, null, 2)}\n` : formatUnreplayable(listing));
    return;
  }
  const tty = Boolean(process.stderr.isTTY);
  const report = await runReplay(command, (done, total, so) => {
    if (tty) writeStderr(`\r\x1b[K${done}/${total} objects, ${so.records.ok + so.records.dropped} records replayed, ${so.records.stillFailing} still failing`);
  });
  if (tty) writeStderr('\r\x1b[K');
  // The replayer reports a failure it stopped on rather than throwing it; the servers of npm run local
  // being down is said as every command says it, alone when nothing was read.
  const down = report.error === undefined ? undefined : serversDownMessage(new Error(report.error));
  if (down && report.objects.read === 0) throw new Error(report.error);
  writeStdout(command.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatReplayReport(report, command));
  if (down) writeStderr(`replay: ${down}\n`);
  const failure = replayFailure(report);
  if (failure) {
    // The stopped-early reasons are in the report already; what was left is said once more where scripts look.
    if (!report.error && report.complete) writeStderr(`replay: ${failure}\n`);
    process.exitCode = 1;
  }
});
