import { KinesisFirehoseSchema } from '@aws-lambda-powertools/parser/schemas/kinesis-firehose';
import { z } from 'zod';

/**
 * Firehose's data-transformation event as Powertools for AWS Lambda parses it: an independent reading of
 * what Firehose sends (`subsequenceNumber` a number, `data` base64, arrival timestamps positive…).
 */
export const FirehoseEventSchema = KinesisFirehoseSchema;

/**
 * The answer Firehose accepts, from its documentation ("Required parameters for data transformation"):
 * every record carries its `recordId`, a `result` of Ok, Dropped or ProcessingFailed, and base64 `data`.
 * Powertools has no schema for the answer, so this one is written from the documented contract.
 */
export const FirehoseResponseSchema = z
  .object({
    records: z.array(
      z
        .object({
          recordId: z.string().min(1),
          result: z.enum(['Ok', 'Dropped', 'ProcessingFailed']),
          data: z.base64(),
        })
        .strict(),
    ),
  })
  .strict();
