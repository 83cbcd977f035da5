import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackEndpoint } from './loopback-endpoint';
import { DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL } from './dev-key';

/**
 * A KMS stand-in on loopback that speaks the KMS JSON protocol (`X-Amz-Target: TrentService.*`),
 * so the real `@aws-sdk/client-kms` talks to it unchanged via `AWS_ENDPOINT_URL_KMS`.
 *
 * Ciphertext blobs are bound to their key and encryption context exactly as KMS binds them: the
 * context is authenticated data, so Decrypt with a different context fails with
 * `InvalidCiphertextException`, and a blob made under another key fails with `IncorrectKeyException`
 * when Decrypt pins `KeyId`.
 *
 * It refuses what KMS refuses for the operations this project uses, with KMS's error types, so a test
 * cannot pass on a request AWS would reject: unsigned requests, blobs and plaintexts outside KMS's
 * size bounds, `GenerateDataKey` with both or neither of `KeySpec` and `NumberOfBytes` or a size
 * outside 1–1024, and any encryption algorithm but `SYMMETRIC_DEFAULT` for its symmetric keys. Signatures
 * themselves are not verified (any credentials will do).
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

export class LocalKms extends LoopbackEndpoint {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly counts: Record<KmsOperation, number> = { Decrypt: 0, Encrypt: 0, GenerateDataKey: 0 };
  private faults: KmsFault[] = [];
  /** Keys whose policy no longer lets the caller decrypt: Decrypt of their blobs is AccessDeniedException. */
  readonly deniedKeys = new Set<string>();
  /** Keys disabled with `DisableKey` (until `EnableKey`): every use is DisabledException, as in KMS. */
  readonly disabledKeys = new Set<string>();
  /** Alias names (`alias/…`) and the key ARN each points to: KeyId may name a key by alias, as in KMS. */
  readonly aliases = new Map<string, string>();
  /** Keys that stand for AWS managed keys (`alias/aws/rds`): DescribeKey says `KeyManager: AWS`. */
  readonly awsManagedKeys = new Set<string>();
  latencyMs: number;

  constructor(options: LocalKmsOptions = {}) {
    super('LocalKms');
    this.keys = options.keys ?? new Map([[DEV_KMS_KEY_ARN, DEV_KMS_KEY_MATERIAL]]);
    this.latencyMs = options.latencyMs ?? 0;
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
    // An alias name, or an alias ARN (arn:aws:kms:<region>:<account>:alias/<name>), names the key it points to.
    const alias = /^arn:[^:]+:kms:[^:]*:[^:]*:(alias\/.+)$/.exec(keyId)?.[1] ?? (keyId.startsWith('alias/') ? keyId : undefined);
    if (alias !== undefined) return this.aliases.get(alias);
    return [...this.keys.keys()].find((arn) => arn === keyId || arn.endsWith(`/${keyId}`));
  }

  /**
   * What KMS would say of a key named by ARN, ID, alias or alias ARN, or undefined when there is none:
   * for other local endpoints (RDS) that must refuse a key they could not use.
   */
  lookup(keyId: string): { readonly arn: string; readonly enabled: boolean; readonly customerManaged: boolean } | undefined {
    const arn = this.arnFor(keyId);
    if (!arn) return undefined;
    return { arn, enabled: !this.disabledKeys.has(arn), customerManaged: !this.awsManagedKeys.has(arn) };
  }

  protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs).unref());
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.replace(/^TrentService\./, '');
    let status = 200;
    let body: unknown;
    try {
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        throw new KmsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new KmsError('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new KmsError('SerializationException', 'Start of structure or map found where not expected.');
      }
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
    const context = encryptionContext(input.EncryptionContext);
    symmetricAlgorithm(input.EncryptionAlgorithm);
    switch (operation) {
      case 'Decrypt':
        return this.decrypt(blob(input.CiphertextBlob, 'ciphertextBlob', 6144), context, optionalKeyId(input.KeyId));
      // The key's state, as an operator changes it: `aws kms disable-key` stands in for any change that
      // makes KMS refuse the key (a key policy edit, a disabled or pending-deletion key).
      case 'DisableKey':
        this.disabledKeys.add(this.requireKey(input.KeyId));
        return {};
      case 'EnableKey':
        this.disabledKeys.delete(this.requireKey(input.KeyId));
        return {};
      case 'DescribeKey': {
        const keyArn = this.requireKey(input.KeyId);
        const enabled = !this.disabledKeys.has(keyArn);
        return {
          KeyMetadata: {
            KeyId: keyArn.slice(keyArn.lastIndexOf('/') + 1),
            Arn: keyArn,
            AWSAccountId: keyArn.split(':')[4],
            Enabled: enabled,
            KeyState: enabled ? 'Enabled' : 'Disabled',
            KeyUsage: 'ENCRYPT_DECRYPT',
            KeySpec: 'SYMMETRIC_DEFAULT',
            KeyManager: this.awsManagedKeys.has(keyArn) ? 'AWS' : 'CUSTOMER',
            Origin: 'AWS_KMS',
            Description: 'LOCAL DEVELOPMENT KEY: public, protects nothing',
          },
        };
      }
      case 'Encrypt': {
        const keyArn = this.usableKey(input.KeyId);
        const plaintext = blob(input.Plaintext, 'plaintext', 4096);
        return { KeyId: keyArn, CiphertextBlob: this.seal(keyArn, plaintext, context).toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      }
      case 'GenerateDataKey': {
        const keyArn = this.usableKey(input.KeyId);
        const plaintext = randomBytes(dataKeyLength(input.KeySpec, input.NumberOfBytes));
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
    if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > 2048) {
      throw new KmsError('ValidationException', "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048");
    }
    const arn = this.arnFor(keyId);
    if (!arn) throw new KmsError('NotFoundException', `Key '${String(keyId)}' does not exist`);
    return arn;
  }

  /** A key that may be used now: KMS answers DisabledException for a disabled one. */
  private usableKey(keyId: unknown): string {
    const arn = this.requireKey(keyId);
    if (this.disabledKeys.has(arn)) throw new KmsError('DisabledException', `${arn} is disabled.`);
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
    if (this.disabledKeys.has(keyArn)) throw new KmsError('DisabledException', `${keyArn} is disabled.`);
    if (this.deniedKeys.has(keyArn)) {
      throw new KmsError('AccessDeniedException', `User is not authorized to perform: kms:Decrypt on resource: ${keyArn}`);
    }
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

/** A base64 blob member of `minLength` 1 and at most `maxBytes`, as KMS constrains them. */
function blob(value: unknown, member: string, maxBytes: number): Buffer {
  if (value === undefined || value === null) {
    throw new KmsError('ValidationException', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new KmsError('SerializationException', `Invalid base64 in ${member}`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 1 || bytes.length > maxBytes) {
    throw new KmsError(
      'ValidationException',
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between 1 and ${maxBytes}`,
    );
  }
  return bytes;
}

function optionalKeyId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < 1 || value.length > 2048) {
    throw new KmsError('ValidationException', "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048");
  }
  return value;
}

function encryptionContext(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((item) => typeof item !== 'string')) {
    throw new KmsError('SerializationException', 'EncryptionContext must be a map of strings');
  }
  return value as Record<string, string>;
}

/** This endpoint's keys are symmetric: KMS refuses any other algorithm for them with InvalidKeyUsageException. */
function symmetricAlgorithm(value: unknown): void {
  if (value !== undefined && value !== 'SYMMETRIC_DEFAULT') {
    throw new KmsError(
      'InvalidKeyUsageException',
      `The encryption algorithm ${String(value)} is not compatible with the type of key material in this KMS key`,
    );
  }
}

/** GenerateDataKey's length: exactly one of KeySpec (AES_128, AES_256) or NumberOfBytes (1–1024). */
export function dataKeyLength(keySpec: unknown, numberOfBytes: unknown): number {
  if ((keySpec === undefined) === (numberOfBytes === undefined)) {
    throw new KmsError('ValidationException', 'Please specify either number of bytes or key spec.');
  }
  if (keySpec !== undefined) {
    if (keySpec === 'AES_128') return 16;
    if (keySpec === 'AES_256') return 32;
    throw new KmsError(
      'ValidationException',
      "1 validation error detected: Value at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]",
    );
  }
  if (typeof numberOfBytes !== 'number' || !Number.isInteger(numberOfBytes) || numberOfBytes < 1 || numberOfBytes > 1024) {
    throw new KmsError(
      'ValidationException',
      "1 validation error detected: Value at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024",
    );
  }
  return numberOfBytes;
}
