import crypto from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';

/**
 * s3rver (3.7.1, its last release) seals ListObjectsV2 continuation tokens with DES, which the OpenSSL 3
 * of Node 17 and later no longer offers: any listing past 1,000 keys fails with InternalError. A token
 * only has to come back as it was given, so for `des`, and nothing else, s3rver gets a cipher that
 * passes bytes through. Local tooling only: the transformer never loads this module.
 */
function letS3rverPaginate(): void {
  const module = crypto as unknown as Record<string, unknown>;
  if (module.__dasDesPassThrough) return;
  const passThrough = () => ({ update: (data: string | Buffer) => Buffer.from(data), final: () => Buffer.alloc(0) });
  const createCipheriv = crypto.createCipheriv;
  const createDecipheriv = crypto.createDecipheriv;
  module.createCipheriv = (algorithm: string, ...rest: unknown[]) =>
    algorithm === 'des' ? passThrough() : (createCipheriv as (...args: unknown[]) => unknown)(algorithm, ...rest);
  module.createDecipheriv = (algorithm: string, ...rest: unknown[]) =>
    algorithm === 'des' ? passThrough() : (createDecipheriv as (...args: unknown[]) => unknown)(algorithm, ...rest);
  module.__dasDesPassThrough = true;
}

export interface LocalS3Options {
  /** Where objects live on disk: `<directory>/<bucket>/<key>._S3rver_object`. */
  readonly directory: string;
  /** Buckets to create at start (existing ones and their objects are kept). */
  readonly buckets: readonly string[];
  readonly port?: number;
  /** Told of every S3 event notification s3rver raises (ObjectCreated:Put, ObjectRemoved:Delete, …). */
  readonly onEvent?: (event: S3Notification) => void;
}

/** An S3 event notification as S3 sends it to Lambda (the part the local tools read). */
export interface S3Notification {
  readonly Records: ReadonlyArray<{ readonly eventName: string; readonly s3: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string } } }>;
}

/**
 * A real S3-compatible server (s3rver) on 127.0.0.1 that the real `@aws-sdk/client-s3` talks to
 * through `AWS_ENDPOINT_URL_S3` with path-style addressing.
 */
export class LocalS3 {
  private server?: S3rver;
  private url?: string;

  constructor(private readonly options: LocalS3Options) {}

  async start(): Promise<string> {
    letS3rverPaginate();
    await mkdir(this.options.directory, { recursive: true });
    this.server = new S3rver({
      address: '127.0.0.1',
      port: this.options.port ?? 0,
      silent: true,
      directory: this.options.directory,
      configureBuckets: this.options.buckets.map((name) => ({ name })),
    });
    // S3 decodes x-amz-copy-source whole (the SDK's callers encode each key segment with
    // encodeURIComponent); s3rver uses decodeURI, which leaves %3D (=) and the other reserved characters
    // encoded and then finds no such key. Re-encode the header the way s3rver decodes it.
    type Middleware = (ctx: { headers: Record<string, string | string[] | undefined> }, next: () => Promise<void>) => Promise<void>;
    (this.server as unknown as { middleware: Middleware[] }).middleware.unshift(async (ctx, next) => {
      const source = ctx.headers['x-amz-copy-source'];
      if (typeof source === 'string') {
        try {
          ctx.headers['x-amz-copy-source'] = encodeURI(decodeURIComponent(source));
        } catch {
          // Not percent-encoding S3 would read either: s3rver answers it as it does.
        }
      }
      await next();
    });
    if (this.options.onEvent) {
      const onEvent = this.options.onEvent;
      (this.server as unknown as { on(name: 'event', listener: (event: S3Notification) => void): void }).on('event', (event) => onEvent(event));
    }
    const { port } = await this.server.run();
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  get endpoint(): string {
    if (!this.url) throw new Error('LocalS3 is not started');
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }
}
