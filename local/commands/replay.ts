import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { isResourceId } from '../../lambda/core/shared/resource';
import { utcHour, type ReplayOptions, type ReplayProgress, type ReplayReport } from '../../lambda/core/replay/replay';
import { ConfigError } from '../../lambda/core/shared/errors';
import type { ReplayRequest as FunctionRequest } from '../../lambda/replay-handler';
import { createReplayer } from '../../lambda/replayer';
import { LocalAws, withEnv } from '../../testkit/aws/local-aws';
import { LOCAL_NOTIFICATIONS, localFunctions } from './local-functions';
import { localHandlerEnv } from '../../testkit/aws/local-env';
import { loadAllEvents } from '../query/all-events-writer';
import { captureOutput } from './capture-output';
import { CommandError, parseOptions, settingsError, UsageError } from './cli';

/** What `npm run replay -- --help` prints. */
export const REPLAY_USAGE = `Usage: npm run replay -- --function <ReplayFunctionName output> [options]   in the account
       npm run replay -- --bucket <bucket> [options]                          in this shell
       npm run replay -- --local [options]                                    the local bucket of npm start

Re-drives Firehose's error output (firehose/failed/) once the cause of the failures is fixed: every
record goes through the transformer again and lands in events/ as if Firehose had delivered it, a
failed batch's leftovers overwritten rather than stored twice. What is replayed in full moves to
firehose/replayed/ (with when and how). An object whose remaining records fail for good (the transformer
answered ProcessingFailed for each again, or a line is not a Firehose error record) moves to
firehose/unreplayable/ with its reasons, so that the next run has nothing left to do; --report lists them.
What may still come back stays in firehose/failed/, and the report says why. The exit status is 1 when
the run leaves anything it could not replay (in either place) or stops early, 0 otherwise.

Where it runs:
  --function <name>         in the stack's replay function, with its role: the one that may decrypt each
                            database's records (kms:Decrypt under their encryption context), read
                            firehose/failed/ and write events/. You need only lambda:InvokeFunction on it.
  --bucket <name>           here, with your credentials and the SDK's standard settings (AWS_REGION,
                            AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_KMS…), e.g. against npm run local
  --local                   here, on .local/s3 with a temporary local S3 and KMS (the local development key)

Options:
  --since <YYYY-MM-DD[THH]> only error output filed from this UTC hour (a date: from its first hour)
  --until <YYYY-MM-DD[THH]> ... up to this UTC hour (a date: to its last hour)
  --resource-id <id>        only this database (cluster-… or db-…); also the database of objects whose
                            path names none (error output written before the resource=<id> folders)
  --dry-run                 read and plan only: what would be replayed; nothing decrypted, written or moved
  --report                  replay nothing: list the objects set aside in firehose/unreplayable/ and why
                            (with --bucket or --local: it reads the bucket with your credentials)
  --format <text|json>      the report as text (default) or JSON
  --help                    show this help

Examples:
  npm run replay -- --local --dry-run
  npm run replay -- --function DasFirehose-ReplayFunction… --since 2026-11-21 --until 2026-11-22
  npm run replay -- --bucket das-firehose-local --resource-id cluster-4HNY5V4RRNPKKYB7ICFKE5JBQQ
`;

export type ReplayWhere =
  | { readonly kind: 'function'; readonly name: string }
  | { readonly kind: 'bucket'; readonly bucket: string }
  | { readonly kind: 'local'; readonly directory: string };

export interface ReplayCommand {
  readonly where: ReplayWhere;
  readonly since?: string;
  readonly until?: string;
  readonly options: ReplayOptions;
  readonly format: 'text' | 'json';
  /** List what earlier runs set aside instead of replaying. */
  readonly report?: boolean;
}

/** Reads `npm run replay` options. Undefined means: print the usage. */
export function parseReplay(argv: readonly string[]): ReplayCommand | undefined {
  const { values } = parseOptions(
    argv,
    {
      function: { type: 'string' },
      bucket: { type: 'string' },
      local: { type: 'boolean' },
      since: { type: 'string' },
      until: { type: 'string' },
      'resource-id': { type: 'string' },
      'dry-run': { type: 'boolean' },
      report: { type: 'boolean' },
      format: { type: 'string' },
      help: { type: 'boolean' },
    },
    'replay',
  );
  if (values.help) return undefined;
  const wheres = [values.function !== undefined, values.bucket !== undefined, values.local === true].filter(Boolean).length;
  if (wheres !== 1) {
    throw new UsageError(
      `give one of --function <ReplayFunctionName output> (in the account), --bucket <name> (here) or --local; got ${wheres === 0 ? 'none' : 'several'}. See npm run replay -- --help`,
    );
  }
  const since = values.since === undefined ? undefined : utcHour(values.since, 'since');
  const until = values.until === undefined ? undefined : utcHour(values.until, 'until');
  if (values.since !== undefined && since === undefined) throw new UsageError(`--since must be a UTC date or hour, e.g. 2026-11-21 or 2026-11-21T09; got "${values.since}"`);
  if (values.until !== undefined && until === undefined) throw new UsageError(`--until must be a UTC date or hour, e.g. 2026-11-21 or 2026-11-21T17; got "${values.until}"`);
  if (since !== undefined && until !== undefined && since > until) throw new UsageError(`--since (${values.since}) is after --until (${values.until})`);
  const resourceId = values['resource-id'];
  if (resourceId !== undefined && !isResourceId(resourceId)) {
    throw new UsageError(`--resource-id must be a cluster-… (Aurora) or db-… (RDS) resource ID, e.g. cluster-4HNY5V4RRNPKKYB7ICFKE5JBQQ; got "${resourceId}"`);
  }
  if (values.report === true && values.function !== undefined) {
    throw new UsageError('--report reads the bucket here: give --bucket <name> (or --local) instead of --function. See npm run replay -- --help');
  }
  if (values.report === true && values['dry-run'] === true) throw new UsageError('--report replays nothing already: leave out --dry-run. See npm run replay -- --help');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json; got "${format}"`);
  const where: ReplayWhere =
    values.function !== undefined
      ? { kind: 'function', name: values.function }
      : values.bucket !== undefined
        ? { kind: 'bucket', bucket: values.bucket }
        : { kind: 'local', directory: join('.local', 's3') };
  return {
    where,
    ...(values.since !== undefined ? { since: values.since } : {}),
    ...(values.until !== undefined ? { until: values.until } : {}),
    options: {
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(resourceId !== undefined ? { resourceId } : {}),
      dryRun: values['dry-run'] === true,
    },
    format,
    ...(values.report === true ? { report: true } : {}),
  };
}

/** An object earlier runs set aside, as `--report` lists it. */
export interface UnreplayableListing {
  readonly unreplayable: ReadonlyArray<{ readonly key: string; readonly reasons: Readonly<Record<string, number>> }>;
}

/** `--report`: the objects set aside in firehose/unreplayable/ (one database's with --resource-id), with their reasons. */
export async function listUnreplayable(command: ReplayCommand): Promise<UnreplayableListing> {
  const { where } = command;
  const list = async (env: Record<string, string | undefined>) => {
    try {
      return { unreplayable: await createReplayer(env).unreplayable(command.options.resourceId) };
    } catch (error) {
      if (error instanceof ConfigError) throw settingsError(error);
      throw error;
    }
  };
  if (where.kind === 'function') throw new UsageError('--report reads the bucket here: give --bucket <name> (or --local)');
  if (where.kind === 'bucket') return list({ ...process.env, BUCKET_NAME: where.bucket });
  const aws = await LocalAws.start({ s3Directory: where.directory, functions: localFunctions(), notifications: LOCAL_NOTIFICATIONS });
  try {
    const env = localHandlerEnv(aws.env);
    return await withEnv(env, () => list(env));
  } finally {
    await aws.stop();
  }
}

/** The `--report` listing for a person. */
export function formatUnreplayable(listing: UnreplayableListing): string {
  if (listing.unreplayable.length === 0) return 'Nothing in firehose/unreplayable/: no error output was set aside.\n';
  const lines = [`${listing.unreplayable.length} object${listing.unreplayable.length === 1 ? '' : 's'} in firehose/unreplayable/ (records that fail for good), with their lines by reason:`];
  for (const item of listing.unreplayable) {
    lines.push(`  ${item.key}`);
    for (const [reason, count] of Object.entries(item.reasons)) lines.push(`    ${String(count).padStart(5)}  ${reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Why the run's exit status is 1, or undefined for 0: it stopped early, or it leaves objects it could not
 * replay (still in firehose/failed/, or set aside in firehose/unreplayable/ by this run).
 */
export function replayFailure(report: ReplayReport): string | undefined {
  if (report.error) return `stopped: ${report.error}`;
  if (!report.complete) return 'stopped before the end (out of time): run it again to go on';
  if (report.dryRun) return undefined;
  const left: string[] = [];
  if (report.objects.kept > 0) left.push(`${report.objects.kept} object${report.objects.kept === 1 ? '' : 's'} left in firehose/failed/ (see above for why)`);
  const aside = report.objects.unreplayable ?? 0;
  if (aside > 0) left.push(`${aside} object${aside === 1 ? '' : 's'} moved to firehose/unreplayable/: records that fail for good (npm run replay -- --report lists them)`);
  return left.length > 0 ? `not everything could be replayed: ${left.join('; ')}` : undefined;
}

/** Runs the re-drive where the command says, and returns its report. */
export async function runReplay(command: ReplayCommand, progress?: ReplayProgress): Promise<ReplayReport> {
  const { where } = command;
  if (where.kind === 'function') return replayInFunction(where.name, command, progress);
  if (where.kind === 'bucket') return replayHere({ ...process.env, BUCKET_NAME: where.bucket }, command.options, progress);
  // The local bucket, with the servers npm start uses; the transformer's log lines go to a file, as npm start's do.
  const aws = await LocalAws.start({ s3Directory: where.directory, functions: localFunctions(), notifications: LOCAL_NOTIFICATIONS });
  try {
    const env = localHandlerEnv(aws.env);
    const { value, lines } = await captureOutput(() =>
      // The replayed batches' alerts go out through the alert publisher, as the stack's do: let it finish.
      withEnv(env, async () => {
        const report = await replayHere(env, command.options, progress);
        await aws.settled();
        return report;
      }).then(
        (report) => ({ report }),
        (error: unknown) => ({ error }),
      ),
    );
    await mkdir('.local', { recursive: true });
    await appendFile(join('.local', 'replay.log'), lines.map((line) => `${line}\n`).join(''));
    if ('error' in value) throw value.error;
    // The account's scheduled load would pick the re-driven events up; locally the end of the re-drive is that schedule.
    if (command.options.dryRun !== true) await loadAllEvents(join(where.directory, aws.bucket));
    return value.report;
  } finally {
    await aws.stop();
  }
}

async function replayHere(env: Record<string, string | undefined>, options: ReplayOptions, progress?: ReplayProgress): Promise<ReplayReport> {
  try {
    return await createReplayer(env).run(options, progress);
  } catch (error) {
    if (error instanceof ConfigError) throw settingsError(error);
    throw error;
  }
}

/**
 * Calls the replay function until its report says it is complete: each call works until the function
 * is a minute from its timeout. Records replayed add up across calls; what still fails is the last
 * call's count, since every call reads what is left in the error output again.
 */
async function replayInFunction(name: string, command: ReplayCommand, progress?: ReplayProgress): Promise<ReplayReport> {
  // A call can take the function's whole 15 minutes; a retried timeout would run the same re-drive twice.
  const lambda = new LambdaClient({ maxAttempts: 1, requestHandler: { requestTimeout: 16 * 60_000 } });
  const request: FunctionRequest = {
    ...(command.since !== undefined ? { since: command.since } : {}),
    ...(command.until !== undefined ? { until: command.until } : {}),
    ...(command.options.resourceId !== undefined ? { resourceId: command.options.resourceId } : {}),
    dryRun: command.options.dryRun === true,
  };
  let total: ReplayReport | undefined;
  let startAt: string | undefined;
  try {
    for (;;) {
      let answer;
      try {
        const payload = { ...request, ...(startAt !== undefined ? { startAt } : {}) };
        answer = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)) }));
      } catch (error) {
        const failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new CommandError(`cannot invoke the replay function ${name} (give the stack's ReplayFunctionName output; you need lambda:InvokeFunction on it): ${failure}`, {
          cause: error,
        });
      }
      const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
      if (answer.FunctionError) {
        const failure = safeJson(text) as { errorType?: string; errorMessage?: string } | undefined;
        throw new CommandError(`the replay function failed: ${failure?.errorType ?? answer.FunctionError}: ${failure?.errorMessage ?? text}`);
      }
      const report = safeJson(text) as ReplayReport | undefined;
      if (!report?.records) throw new CommandError(`the replay function answered something that is not a replay report: ${text.slice(0, 200)}`);
      total = total ? combine(total, report) : report;
      progress?.(total.objects.retired + total.objects.kept, total.objects.selected, total);
      // Each call goes on where the one before stopped, so lines that still fail are not read again and again.
      const progressed = report.objects.read > 0;
      if (report.complete || report.error || !progressed || command.options.dryRun || report.resumeAt === undefined) break;
      startAt = report.resumeAt;
    }
  } finally {
    lambda.destroy();
  }
  return total;
}

/** Two calls' reports as one: each call read objects the other did not (the second started where the first stopped). */
function combine(before: ReplayReport, next: ReplayReport): ReplayReport {
  const sum = <T extends Record<string, number>>(a: T, b: T): T =>
    Object.fromEntries(Object.keys(a).map((key) => [key, (a[key] ?? 0) + (b[key] ?? 0)])) as T;
  const reasons: Record<string, number> = { ...before.reasons };
  for (const [reason, count] of Object.entries(next.reasons)) reasons[reason] = (reasons[reason] ?? 0) + count;
  return {
    ...next,
    objects: { ...sum(before.objects, next.objects), listed: before.objects.listed, selected: before.objects.selected },
    records: sum(before.records, next.records),
    eventsStored: before.eventsStored + next.eventsStored,
    batches: sum(before.batches, next.batches),
    reasons,
    kept: [...before.kept, ...next.kept].slice(0, 50),
    unreplayable: [...(before.unreplayable ?? []), ...(next.unreplayable ?? [])].slice(0, 50),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The report for a person: what was read, what was replayed, what still fails and why, what stays. */
export function formatReplayReport(report: ReplayReport, command: ReplayCommand): string {
  const where =
    command.where.kind === 'function'
      ? `the replay function ${command.where.name}`
      : command.where.kind === 'bucket'
        ? `s3://${command.where.bucket}`
        : `the local bucket (${command.where.directory})`;
  const scope = [
    command.options.resourceId ? `database ${command.options.resourceId}` : 'every database',
    command.since || command.until ? `filed ${command.since ? `from ${command.since}` : ''}${command.since && command.until ? ' ' : ''}${command.until ? `to ${command.until}` : ''} (UTC)` : 'every hour',
  ].join(', ');
  const { objects, records } = report;
  const lines = [`${report.dryRun ? 'Dry run of a re-drive' : 'Re-drive'} of Firehose's error output, ${where}, ${scope}:`];
  lines.push(`  objects: ${objects.listed} in firehose/failed/, ${objects.selected} selected, ${objects.read} read` +
    (report.dryRun ? '' : `; ${objects.retired} replayed in full (moved to firehose/replayed/), ${objects.unreplayable ?? 0} failing for good (moved to firehose/unreplayable/), ${objects.kept} left in firehose/failed/`));
  if (report.dryRun) {
    lines.push(`  records: ${records.read} read: ${records.toReplay} would go through the transformer again, ${records.stillFailing} cannot, ${records.held} held; ${records.alreadyReplayed} replayed before`);
    lines.push(`  batches it would send the transformer: ${report.batches.standalone} of records on their own, ${report.batches.rebuiltFromJournal} rebuilt from the journal`);
    lines.push('  nothing was decrypted, written or moved');
  } else {
    lines.push(`  records: ${records.read} read: ${records.ok} Ok, ${records.dropped} Dropped (heartbeats only), ${records.stillFailing} still failing, ${records.held} held; ${records.alreadyReplayed} replayed before`);
    const batches = report.batches.standalone + report.batches.rebuiltFromJournal;
    lines.push(`  events stored: ${report.eventsStored}, in ${batches} ${batches === 1 ? 'batch' : 'batches'} (${report.batches.standalone} of records on their own, ${report.batches.rebuiltFromJournal} rebuilt from the journal)`);
  }
  const reasons = Object.entries(report.reasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    lines.push(`  ${report.dryRun ? 'cannot go through the transformer' : 'still failing'}, by reason:`);
    for (const [reason, count] of reasons) lines.push(`    ${String(count).padStart(5)}  ${reason}`);
  }
  if (report.kept.length > 0) {
    lines.push(`  ${report.dryRun ? 'objects that would stay' : 'left in the error output'}:`);
    for (const item of report.kept) lines.push(`    ${item.key}${item.reason ? `  (${item.reason})` : ''}`);
    if (objects.kept > report.kept.length) lines.push(`    … and ${objects.kept - report.kept.length} more`);
  }
  if ((report.unreplayable ?? []).length > 0) {
    lines.push('  moved to firehose/unreplayable/ (records that fail for good; npm run replay -- --report lists them):');
    for (const item of report.unreplayable) lines.push(`    ${item.key}`);
  }
  if (report.error) lines.push(`  stopped: ${report.error}`);
  else if (!report.complete) lines.push('  stopped before the end (out of time): run it again to go on');
  else if (objects.selected === 0) lines.push('  nothing left to replay');
  return `${lines.join('\n')}\n`;
}
