// The Encryption SDK's decrypt-side packages, not the umbrella @aws-crypto/client-node: the umbrella
// also pulls in the KMS keyring and DynamoDB branch keystore, a sixth of the bundle and its load time.
import type { buildDecrypt } from '@aws-crypto/decrypt-node';
import type { RawAesKeyringNode } from '@aws-crypto/raw-aes-keyring-node';
import { PayloadError } from '../core/shared/errors';
import type { DataKey, PayloadDecrypter } from '../core/transform/ports';
import { DAS_KEY_NAME, DAS_KEY_NAMESPACE } from '../core/transform/rds-message-layout';

/** How RDS wraps each message's data key (defined with the rest of the profile RDS writes). */
export { DAS_KEY_NAME, DAS_KEY_NAMESPACE };

export interface EncryptionSdkDecrypterOptions {
  /** Largest ciphertext body accepted; Kinesis records are at most 1 MiB. @default 10 MiB */
  readonly maxBodySize?: number;
}

/** The parts of the Encryption SDK this decrypter uses, loaded once. */
interface Sdk {
  readonly client: ReturnType<typeof buildDecrypt>;
  keyring(plaintextKey: Uint8Array): RawAesKeyringNode;
}

let sdk: Promise<Sdk> | undefined;

/**
 * The Encryption SDK, loaded at its first use rather than with the bundle: with the decryption fast path
 * on, only messages RDS's profile does not cover reach it, so most containers never need it, and
 * loading it (bn.js, elliptic, the material management) was a good part of the function's cold start.
 */
function loadSdk(): Promise<Sdk> {
  sdk ??= (async () => {
    const [{ buildDecrypt }, { CommitmentPolicy }, { RawAesKeyringNode, RawAesWrappingSuiteIdentifier }] = await Promise.all([
      import('@aws-crypto/decrypt-node'),
      import('@aws-crypto/material-management-node'),
      import('@aws-crypto/raw-aes-keyring-node'),
    ]);
    return {
      client: buildDecrypt({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, maxEncryptedDataKeys: 1 }),
      keyring: (unencryptedMasterKey) =>
        new RawAesKeyringNode({
          keyNamespace: DAS_KEY_NAMESPACE,
          keyName: DAS_KEY_NAME,
          unencryptedMasterKey,
          wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
        }),
    };
  })();
  return sdk;
}

/**
 * Opens the `databaseActivityEvents` message with the AWS Encryption SDK.
 *
 * RDS encrypts with non-committing suites (0x0178, and the ECDSA-signed 0x0378 for Aurora MySQL), which
 * the SDK's default policy refuses; REQUIRE_ENCRYPT_ALLOW_DECRYPT reads them and still verifies
 * signatures. DAS sends exactly one encrypted data key, so more is malformed input.
 */
export class EncryptionSdkDecrypter implements PayloadDecrypter {
  // One keyring per data key, built once: the keyring zeroes the key bytes it is given,
  // so it must get its own isolated copy, and rebuilding it per record would repeat that work.
  private readonly keyrings = new WeakMap<DataKey, RawAesKeyringNode>();
  private readonly maxBodySize: number;

  constructor(options: EncryptionSdkDecrypterOptions = {}) {
    this.maxBodySize = options.maxBodySize ?? 10 * 1024 * 1024;
  }

  async decrypt(message: Uint8Array, dataKey: DataKey): Promise<Buffer> {
    // Outside the try: an SDK that cannot load is the function's fault, not the record's.
    const loaded = await loadSdk();
    try {
      const { plaintext } = await loaded.client.decrypt(this.keyringFor(dataKey, loaded), message, {
        maxBodySize: this.maxBodySize,
      });
      return plaintext;
    } catch (error) {
      throw new PayloadError(`databaseActivityEvents could not be decrypted: ${reason(error)}`, { cause: error });
    }
  }

  private keyringFor(dataKey: DataKey, loaded: Sdk): RawAesKeyringNode {
    let keyring = this.keyrings.get(dataKey);
    if (!keyring) {
      keyring = loaded.keyring(new Uint8Array(dataKey.plaintext));
      this.keyrings.set(dataKey, keyring);
    }
    return keyring;
  }
}

/** The SDK's messages describe structure ("Unsupported state or unable to authenticate data"), not content. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
