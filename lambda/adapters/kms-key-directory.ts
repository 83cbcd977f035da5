import { DescribeKeyCommand, KMSServiceException, type KMSClient } from '@aws-sdk/client-kms';
import { RefusedError, type KeyDescription, type KeyDirectory } from '../core/database-source/ports';

/** kms:DescribeKey for the database source and the doctor: a key ID or alias to its ARN, state and manager. */
export class KmsKeyDirectory implements KeyDirectory {
  constructor(private readonly kms: KMSClient) {}

  async describeKey(keyId: string): Promise<KeyDescription> {
    try {
      const { KeyMetadata } = await this.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      if (!KeyMetadata?.Arn) throw new RefusedError('NotFoundException', `KMS described no key for ${keyId}`);
      return {
        arn: KeyMetadata.Arn,
        enabled: KeyMetadata.Enabled === true,
        customerManaged: KeyMetadata.KeyManager === 'CUSTOMER',
        state: KeyMetadata.KeyState ?? 'Unknown',
        symmetric: (KeyMetadata.KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT',
      };
    } catch (error) {
      if (error instanceof KMSServiceException && error.$fault === 'client') throw new RefusedError(error.name, error.message, { cause: error });
      throw error;
    }
  }
}
