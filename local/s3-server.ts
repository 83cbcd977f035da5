import S3rver from 's3rver';
import { mkdir } from 'node:fs/promises';

export interface LocalS3Options {
  /** Where objects live on disk: `<directory>/<bucket>/<key>._S3rver_object`. */
  readonly directory: string;
  /** Buckets to create at start (existing ones and their objects are kept). */
  readonly buckets: readonly string[];
  readonly port?: number;
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
    await mkdir(this.options.directory, { recursive: true });
    this.server = new S3rver({
      address: '127.0.0.1',
      port: this.options.port ?? 0,
      silent: true,
      directory: this.options.directory,
      configureBuckets: this.options.buckets.map((name) => ({ name })),
    });
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
