import { errorObjectLocation } from './error-output';
import type { ErrorOutputObject } from './ports';
import { OutsideWorldError, describe } from './replay-batches';
import { emptyReport, keep, type ReplayDeps, type ReplayOptions, type ReplayProgress, type ReplayReport } from './replay-types';
import { ResourceReplay } from './resource-replay';

export { standaloneRecordId } from './replay-batches';
export { utcHour, type ReplayDeps, type ReplayOptions, type ReplayProgress, type ReplayReport } from './replay-types';

/**
 * The re-drive of Firehose's error output: every record Firehose could not get processed goes through
 * the transformer again, once the cause is fixed, and lands in `events/` as if Firehose had delivered it.
 *
 * Two kinds of failure reach the error output, and they need different care:
 * - a record the transformer answered ProcessingFailed (`Lambda.ProcessingFailedStatus`): its batch
 *   succeeded, and the record itself stored nothing. It is replayed on its own.
 * - a record of an invocation that failed (an error, a timeout, KMS or S3 out past the retries): that
 *   attempt may have left some of its batch's objects behind. The journal names the batch's records by
 *   a digest of their data, so the batch is rebuilt with its original record IDs, in order, and its
 *   objects come out under the same keys: what was left behind is overwritten, never stored twice. A
 *   record no journal entry names was in a batch that stored nothing, and is replayed on its own.
 *
 * Replayed records get record IDs derived from where they sit in the error output, so a re-drive that
 * is interrupted and run again writes the same objects. An object whose every line is replayed moves to
 * `firehose/replayed/` (with what was replayed and when). An object whose remaining lines fail for good
 * (the transformer answered ProcessingFailed for each again, or the line is not a Firehose error record:
 * retrying cannot change either) moves to `firehose/unreplayable/` with their reasons, so that a later
 * re-drive has nothing left to do; lines that may still come back (held for their batch, a run cut short)
 * stay, with their reasons.
 */

export async function replayErrorOutput(deps: ReplayDeps, options: ReplayOptions = {}, progress?: ReplayProgress): Promise<ReplayReport> {
  const report = emptyReport(options.dryRun === true);
  const now = options.now ?? Date.now;
  let listed: ErrorOutputObject[];
  try {
    listed = await deps.errorOutput.list();
  } catch (error) {
    report.complete = false;
    report.error = `listing the error output failed: ${describe(error)}`;
    return report;
  }
  report.objects.listed = listed.length;

  const groups = new Map<string, Array<{ object: ErrorOutputObject; hour?: number }>>();
  for (const object of listed) {
    const location = errorObjectLocation(object.key);
    if (options.resourceId && location.resourceId && location.resourceId !== options.resourceId) continue;
    if (location.hour === undefined ? options.since !== undefined || options.until !== undefined : !inRange(location.hour, options)) continue;
    if (options.startAt !== undefined && object.key < options.startAt) continue;
    report.objects.selected += 1;
    const resourceId = location.resourceId ?? options.resourceId;
    if (!resourceId) {
      keep(report, object.key, 'its key names no database (no resource=<id> folder): give the resource ID to replay it');
      continue;
    }
    const group = groups.get(resourceId) ?? [];
    group.push({ object, ...(location.hour !== undefined ? { hour: location.hour } : {}) });
    groups.set(resourceId, group);
  }

  let done = 0;
  try {
    for (const [resourceId, objects] of groups) {
      const resource = new ResourceReplay(resourceId, deps, options, report, now);
      for (const { object, hour } of objects) {
        // Every run gets through one object at least, so that runs called one after another always progress.
        if (done > 0 && options.deadline !== undefined && now() >= options.deadline) {
          report.complete = false;
          // Next time, from the first object whose batch is still waiting for lines, else from here.
          const waiting = resource.firstWaitingKey;
          report.resumeAt = waiting !== undefined && waiting < object.key ? waiting : object.key;
          break;
        }
        await resource.replayObject(object.key, hour);
        done += 1;
        progress?.(done, report.objects.selected, report);
      }
      await resource.finish(!report.complete);
      if (!report.complete) break;
    }
  } catch (error) {
    if (!(error instanceof OutsideWorldError)) throw error;
    report.complete = false;
    report.error = error.message;
  }
  return report;
}

function inRange(hour: number, options: ReplayOptions): boolean {
  return (options.since === undefined || hour >= options.since) && (options.until === undefined || hour <= options.until);
}
