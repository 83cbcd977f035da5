import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface AuditObject {
  readonly key: string;
  readonly size: number;
  readonly contentType?: string;
  readonly contentEncoding?: string;
}

/** Every object under a prefix, following continuation tokens. */
export async function listObjects(s3: S3Client, bucket: string, prefix = 'events/'): Promise<AuditObject[]> {
  const objects: AuditObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) objects.push({ key: item.Key ?? '', size: item.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** An object's events, decompressed and parsed, with the headers it was stored with. */
export async function readEvents(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ events: Record<string, unknown>[]; contentType?: string; contentEncoding?: string }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await object.Body!.transformToByteArray());
  // An S3 server may or may not undo Content-Encoding on the way out; gzip starts with 1f 8b.
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  const events = text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { events, contentType: object.ContentType, contentEncoding: object.ContentEncoding };
}
