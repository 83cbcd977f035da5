import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAllEvents, type AllEventsLoad } from './all-events-writer';

/** Where `npm run local` keeps its buckets (s3rver's files). */
export const LOCAL_S3_DIRECTORY = join('.local', 's3');

/**
 * Loads all_events in the folder of `npm run local`'s bucket, after `npm run invoke` wrote there: only when
 * that folder holds the object just written (`writtenKey`), so that a local S3 server of some other folder
 * (a test's, another checkout's) never has a table rebuilt here from objects it did not write. Undefined
 * when the folder is not that server's.
 */
export async function loadLocalAllEvents(bucket: string, writtenKey: string, s3Directory = LOCAL_S3_DIRECTORY): Promise<AllEventsLoad | undefined> {
  const bucketDirectory = join(s3Directory, bucket);
  const written = await stat(join(bucketDirectory, `${writtenKey}._S3rver_object`)).then(
    () => true,
    () => false,
  );
  return written ? loadAllEvents(bucketDirectory) : undefined;
}
