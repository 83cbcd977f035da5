import { deserializeFactory } from '@aws-crypto/serialize';
import { NodeAlgorithmSuite } from '@aws-crypto/material-management-node';

const { deserializeMessageHeader } = deserializeFactory((bytes) => Buffer.from(bytes).toString('utf8'), NodeAlgorithmSuite);

/** The fields of an Encryption SDK message header that RDS fixes, in comparable form. */
export interface HeaderFacts {
  readonly version: number;
  readonly suiteId: string;
  readonly signed: boolean;
  readonly contextKeys: string[];
  readonly dataKeys: Array<{ providerId: string; providerInfo: string }>;
  readonly contentType: number;
  readonly frameLength: number;
}

export function headerFacts(message: Uint8Array): HeaderFacts {
  const info = deserializeMessageHeader(message, { maxEncryptedDataKeys: 10 });
  if (!info) throw new Error('incomplete Encryption SDK header');
  const { messageHeader, algorithmSuite } = info;
  return {
    version: messageHeader.version,
    suiteId: `0x${messageHeader.suiteId.toString(16).padStart(4, '0')}`,
    signed: algorithmSuite.signatureCurve !== undefined,
    contextKeys: Object.keys(messageHeader.encryptionContext).sort(),
    dataKeys: messageHeader.encryptedDataKeys.map(({ providerId, providerInfo }) => ({
      providerId,
      // Raw AES providerInfo is the key name followed by the wrapping IV's bookkeeping.
      providerInfo: providerInfo.slice(0, 'DataKey'.length),
    })),
    contentType: messageHeader.contentType,
    frameLength: messageHeader.frameLength,
  };
}
