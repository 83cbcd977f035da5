import { createHash } from 'node:crypto';
import { DecryptCommand, KMSServiceException, type KMSClient } from '@aws-sdk/client-kms';
import { LRUCache } from '@aws-lambda-powertools/commons/utils/lru-cache';
import type { EncryptionContext } from '../core/shared/ports';
import type { DataKeyAnswer, DataKeyProvider } from '../core/transform/ports';

export interface KmsDataKeyProviderOptions {
  /** Decrypt requests in flight at once: a batch of many distinct blobs must not fire them all together. @default 8 */
  readonly maxConcurrent?: number;
  /** Plaintext keys kept across warm invocations. @default 100 */
  readonly maxEntries?: number;
  /** @default 3600 */
  readonly ttlSeconds?: number;
  /** Clock, for tests of expiry. @default Date.now */
  readonly now?: () => number;
}

interface Entry {
  readonly key: Promise<DataKeyAnswer>;
  readonly expiresAt: number;
}

/**
 * KMS errors that mean "this blob will never decrypt here": answered as a refusal, so the records
 * sealed with it fail alone and keep their data. Anything else (throttling past the SDK's retries,
 * network, 5xx) rejects, failing the batch so that Firehose retries it.
 */
const REFUSALS = new Set([
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'AccessDeniedException',
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidKeyUsageException',
  'ValidationException',
]);

/** A refused blob stays refused for a while, so a batch full of it costs one call, not one per record. */
const REFUSAL_TTL_MS = 60_000;

/**
 * Resolves DAS `key` blobs with KMS `Decrypt`, once per distinct blob: RDS reuses a data key across
 * many consecutive records, so a batch usually needs one call and a warm container often none.
 * Concurrent lookups of the same blob share one request.
 */
export class KmsDataKeyProvider implements DataKeyProvider {
  private readonly cache: LRUCache<string, Entry>;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private calls = 0;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly maxConcurrent: number;

  constructor(
    private readonly kms: KMSClient,
    options: KmsDataKeyProviderOptions = {},
  ) {
    this.cache = new LRUCache({ maxSize: options.maxEntries ?? 100 });
    this.ttlMs = (options.ttlSeconds ?? 3600) * 1000;
    this.now = options.now ?? Date.now;
    this.maxConcurrent = options.maxConcurrent ?? 8;
  }

  /** KMS Decrypt requests sent since this provider was built. */
  get kmsCalls(): number {
    return this.calls;
  }

  dataKey(encryptedKey: string, context: EncryptionContext, keyId?: string, signal?: AbortSignal): Promise<DataKeyAnswer> {
    const cacheKey = `${keyId ?? ''}\n${canonical(context)}\n${encryptedKey}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expiresAt > this.now()) return cached.key;

    const key = this.decrypt(encryptedKey, context, keyId, signal);
    this.cache.add(cacheKey, { key, expiresAt: this.now() + this.ttlMs });
    key.then(
      (answer) => {
        // A refused blob stays refused for a while only: a key policy may be fixed meanwhile.
        if ('refused' in answer) this.cache.add(cacheKey, { key, expiresAt: this.now() + Math.min(REFUSAL_TTL_MS, this.ttlMs) });
      },
      () => {
        if (this.cache.get(cacheKey)?.key === key) this.cache.remove(cacheKey); // transient: the retried batch asks again
      },
    );
    return key;
  }

  private async decrypt(
    encryptedKey: string,
    context: EncryptionContext,
    keyId: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<DataKeyAnswer> {
    // A slot is handed straight from a finished request to the next waiting one, so never more run at once.
    if (this.inFlight < this.maxConcurrent) this.inFlight += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await this.decryptNow(encryptedKey, context, keyId, signal);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight -= 1;
    }
  }

  private async decryptNow(
    encryptedKey: string,
    context: EncryptionContext,
    keyId: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<DataKeyAnswer> {
    signal?.throwIfAborted();
    this.calls += 1;
    let plaintext: Uint8Array | undefined;
    try {
      const answer = await this.kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(encryptedKey, 'base64'),
          EncryptionContext: { ...context },
          ...(keyId ? { KeyId: keyId } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
      plaintext = answer.Plaintext;
    } catch (error) {
      if (error instanceof KMSServiceException && REFUSALS.has(error.name)) {
        return { refused: `KMS refused the data key: ${error.name}` };
      }
      throw error;
    }
    if (!plaintext || plaintext.length !== 32) {
      return { refused: `KMS returned a ${plaintext?.length ?? 0}-byte data key; DAS uses 32-byte AES keys` };
    }
    return { key: { id: createHash('sha256').update(encryptedKey).digest('hex').slice(0, 16), plaintext } };
  }
}

function canonical(context: EncryptionContext): string {
  return Object.keys(context)
    .sort()
    .map((name) => `${name}=${context[name]}`)
    .join('&');
}
