import { S3ErrorOutput } from './adapters/s3-error-output';
import { S3JournalReader } from './adapters/s3-journal-reader';
import { ERROR_OUTPUT_ROOT } from './core/replay/error-output';
import type { UnreplayableObject } from './core/replay/ports';
import { replayErrorOutput, type ReplayOptions, type ReplayProgress, type ReplayReport } from './core/replay/replay';
import { createTransformer, type Transformer } from './transformer';

import type { Env } from './settings/kinds';

/**
 * Replayed batches are not journaled: their record IDs come from where the records sit in the error
 * output or from the journal entry of the original batch, so a replay that fails midway is rebuilt with
 * the same IDs next time and overwrites whatever it left. (And the replay function may not write journal/.)
 */
const NO_JOURNAL = { write: async (): Promise<void> => undefined };

/** The re-drive of Firehose's error output, built from an environment like the transformer it uses. */
export interface Replayer {
  run(options: ReplayOptions, progress?: ReplayProgress): Promise<ReplayReport>;
  /** The objects earlier runs set aside under `firehose/unreplayable/` (one database's with `resourceId`), with their reasons. */
  unreplayable(resourceId?: string): Promise<UnreplayableObject[]>;
}

/**
 * Builds the re-drive: the transformer exactly as the Lambda handler builds it (same settings, keys,
 * filters, clients), and S3 adapters for the error output and the journal in the same bucket. Used by
 * the replay function in the account and by `npm run replay` locally.
 *
 * @throws ConfigError naming the setting that is missing or malformed, with an example.
 */
export function createReplayer(
  env: Env = process.env,
  // The answer of a replayed batch never goes back through Lambda: no record need fail for its size.
  transformer: Transformer = createTransformer(env, { journal: NO_JOURNAL, maxResponseBytes: Number.MAX_SAFE_INTEGER }),
): Replayer {
  const { bucketName } = transformer.config;
  // The transformer's own client and logger: one of each per container.
  const { s3, logger } = transformer;
  const journal = new S3JournalReader(s3, bucketName);
  // One database's folders in this version's layout and the one before, and the folders of the first
  // layout that name no database (taken as this one's); else the whole error output.
  const errorOutput = (resourceId: string | undefined) =>
    resourceId
      ? new S3ErrorOutput(s3, bucketName, [`${ERROR_OUTPUT_ROOT}resource=${resourceId}/`, `${ERROR_OUTPUT_ROOT}${resourceId}/`], true)
      : new S3ErrorOutput(s3, bucketName, [ERROR_OUTPUT_ROOT]);
  return {
    async unreplayable(resourceId) {
      return errorOutput(resourceId ?? transformer.config.resourceId).unreplayable();
    },
    async run(options, progress) {
      const resourceId = options.resourceId ?? transformer.config.resourceId;
      const report = await replayErrorOutput(
        {
          errorOutput: errorOutput(resourceId),
          journal,
          transform: (event, transformOptions) => transformer.transform(event, transformOptions),
        },
        { ...options, ...(resourceId ? { resourceId } : {}), region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION },
        progress,
      );
      // Counts and reasons only: the records themselves stay in the bucket.
      logger.info('replay finished', { dryRun: report.dryRun, complete: report.complete, objects: report.objects, unreplayable: report.unreplayable.map((item) => item.key), records: report.records, eventsStored: report.eventsStored, batches: report.batches, reasons: report.reasons, ...(report.error ? { error: report.error } : {}) });
      return report;
    },
  };
}
