import { createHash } from 'node:crypto';

/**
 * The LOCAL DEVELOPMENT KEY. Its material is derived from a public string, so it protects nothing:
 * it exists so that the committed sample events in `events/` decrypt against the local KMS endpoint
 * with no AWS account. Never start an activity stream, or encrypt anything real, with it.
 */
export const DEV_KMS_KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-00000000da5f';

/** 32 bytes of AES key material, public by construction. */
export const DEV_KMS_KEY_MATERIAL: Buffer = createHash('sha256')
  .update('das-firehose local development key: public, not a secret')
  .digest();

export const DEV_REGION = 'us-east-1';
export const DEV_ACCOUNT = '000000000000';
