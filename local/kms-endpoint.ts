import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL } from './dev-key';

/**
 * A KMS stand-in on loopback that speaks the KMS JSON protocol (`X-Amz-Target: TrentService.*`),
 * so the real `@aws-sdk/client-kms` talks to it unchanged via `AWS_ENDPOINT_URL_KMS`.
 *
 * Ciphertext blobs are bound to their key and encryption context exactly as KMS binds them: the
 * context is authenticated data, so Decrypt with a different context fails with
 * `InvalidCiphertextException`, and a blob made under another key fails with `IncorrectKeyException`
 * when Decrypt pins `KeyId`. Signatures are not checked (any credentials will do).
 */

const MAGIC = Buffer.from('LKMS');

export type KmsOperation = 'Decrypt' | 'Encrypt' | 'GenerateDataKey';

export interface LocalKmsOptions {
  /** Keys by ARN: 32-byte AES key material. @default the local development key */
  readonly keys?: ReadonlyMap<string, Buffer>;
  /** Added to every answer, to stand in for a region's round trip. @default 0 */
  readonly latencyMs?: number;
}

export interface KmsFault {
  /** The KMS error type to answer with, e.g. `ThrottlingException`. */
  readonly type: string;
  readonly status?: number;
}

/** Seals a data key the way this endpoint's `Encrypt` would: usable offline to mint sample records. */
export function sealDataKey(keyArn: string, material: Buffer, plaintext: Buffer, context: Record<string, string>): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(contextAad(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const arn = Buffer.from(keyArn, 'utf8');
  return Buffer.concat([MAGIC, Buffer.from([arn.length]), arn, iv, cipher.getAuthTag(), body]);
}

function contextAad(context: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify(Object.keys(context).sort().map((name) => [name, context[name]])), 'utf8');
}

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class LocalKms {
  private server?: Server;
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly counts: Record<KmsOperation, number> = { Decrypt: 0, Encrypt: 0, GenerateDataKey: 0 };
  private faults: KmsFault[] = [];
  latencyMs: number;

  constructor(options: LocalKmsOptions = {}) {
    this.keys = options.keys ?? new Map([[DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL]]);
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Starts listening on 127.0.0.1 (a free port unless given) and resolves to the endpoint URL. */
  async start(port = 0): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    return this.endpoint;
  }

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('LocalKms is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests answered per operation since start or the last reset. */
  calls(operation: KmsOperation = 'Decrypt'): number {
    return this.counts[operation];
  }

  resetCalls(): void {
    for (const operation of Object.keys(this.counts) as KmsOperation[]) this.counts[operation] = 0;
  }

  /** Answers the next requests with these errors, one each, e.g. to show throttling being retried. */
  failNext(...faults: KmsFault[]): void {
    this.faults.push(...faults);
  }

  /** Seals a data key under one of this endpoint's keys, as `GenerateDataKey` would. */
  seal(keyArn: string, plaintext: Buffer, context: Record<string, string>): Buffer {
    return sealDataKey(keyArn, this.material(keyArn), plaintext, context);
  }

  private material(keyId: string): Buffer {
    const material = this.keys.get(keyId) ?? this.keys.get(this.arnFor(keyId) ?? '');
    if (!material) throw new KmsError('NotFoundException', `Key '${keyId}' does not exist`);
    return material;
  }

  private arnFor(keyId: string): string | undefined {
    return [...this.keys.keys()].find((arn) => arn === keyId || arn.endsWith(`/${keyId}`));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.replace(/^TrentService\./, '');
    let status = 200;
    let body: unknown;
    try {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      if (operation in this.counts) this.counts[operation as KmsOperation] += 1;
      const fault = this.faults.shift();
      if (fault) throw new KmsError(fault.type, `Injected ${fault.type}`, fault.status ?? 400);
      body = this.answer(operation, input);
    } catch (error) {
      const kmsError =
        error instanceof KmsError ? error : new KmsError('KMSInternalException', 'Local KMS endpoint failed', 500);
      status = kmsError.status;
      body = { __type: kmsError.type, message: kmsError.message };
    }
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  }

  private answer(operation: string, input: Record<string, unknown>): unknown {
    const context = (input.EncryptionContext ?? {}) as Record<string, string>;
    switch (operation) {
      case 'Decrypt':
        return this.decrypt(blob(input.CiphertextBlob), context, input.KeyId as string | undefined);
      case 'Encrypt': {
        const keyArn = this.requireKey(input.KeyId);
        return { KeyId: keyArn, CiphertextBlob: this.seal(keyArn, blob(input.Plaintext), context).toString('base64') };
      }
      case 'GenerateDataKey': {
        const keyArn = this.requireKey(input.KeyId);
        const length = input.KeySpec === 'AES_128' ? 16 : Number(input.NumberOfBytes ?? 32);
        const plaintext = randomBytes(length);
        return {
          KeyId: keyArn,
          Plaintext: plaintext.toString('base64'),
          CiphertextBlob: this.seal(keyArn, plaintext, context).toString('base64'),
        };
      }
      default:
        throw new KmsError('UnknownOperationException', `Operation ${operation} is not supported by the local KMS endpoint`);
    }
  }

  private requireKey(keyId: unknown): string {
    const arn = typeof keyId === 'string' ? this.arnFor(keyId) : undefined;
    if (!arn) throw new KmsError('NotFoundException', `Key '${String(keyId)}' does not exist`);
    return arn;
  }

  private decrypt(ciphertext: Buffer, context: Record<string, string>, pinnedKeyId: string | undefined): unknown {
    if (ciphertext.length < MAGIC.length + 1 + 28 || !ciphertext.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new KmsError('InvalidCiphertextException', 'The ciphertext is not a blob of this endpoint');
    }
    const arnLength = ciphertext[MAGIC.length] as number;
    let offset = MAGIC.length + 1;
    const keyArn = ciphertext.subarray(offset, (offset += arnLength)).toString('utf8');
    const iv = ciphertext.subarray(offset, (offset += 12));
    const tag = ciphertext.subarray(offset, (offset += 16));
    const body = ciphertext.subarray(offset);
    if (pinnedKeyId !== undefined && this.arnFor(pinnedKeyId) !== keyArn) {
      throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext');
    }
    const material = this.keys.get(keyArn);
    if (!material) throw new KmsError('InvalidCiphertextException', 'The ciphertext refers to an unknown key');
    try {
      const decipher = createDecipheriv('aes-256-gcm', material, iv);
      decipher.setAAD(contextAad(context));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
      return { KeyId: keyArn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    } catch {
      throw new KmsError('InvalidCiphertextException', 'The ciphertext or its encryption context is invalid');
    }
  }
}

function blob(value: unknown): Buffer {
  if (typeof value !== 'string') throw new KmsError('ValidationException', 'Missing blob');
  return Buffer.from(value, 'base64');
}
