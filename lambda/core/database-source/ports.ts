import type { DatabaseDescription, StreamMode } from './database';

/**
 * What the database source needs from RDS and KMS. The adapters (`lambda/adapters/rds-database-directory.ts`,
 * `kms-key-directory.ts`) turn SDK faults into the answers below; a refusal RDS gives a reason for
 * comes back as a {@link RefusedError}, never as a raw SDK error.
 */
export interface DatabaseDirectory {
  /** The Aurora (or other) cluster named by identifier or ARN, undefined when there is none in this region. */
  cluster(identifierOrArn: string): Promise<DatabaseDescription | undefined>;
  /** The DB instance named by identifier or ARN, undefined when there is none in this region. */
  instance(identifierOrArn: string): Promise<DatabaseDescription | undefined>;
  /** Every cluster and instance of the region (for the doctor's list). */
  list(): Promise<DatabaseDescription[]>;
  /** StartActivityStream, applied immediately. */
  startActivityStream(request: { readonly arn: string; readonly mode: StreamMode; readonly kmsKeyId: string }): Promise<void>;
  /** StopActivityStream, applied immediately. */
  stopActivityStream(arn: string): Promise<void>;
}

export interface KeyDescription {
  readonly arn: string;
  readonly enabled: boolean;
  /** `KeyManager: CUSTOMER`: RDS refuses AWS managed keys (`aws/rds`) for activity streams. */
  readonly customerManaged: boolean;
  readonly state: string;
  readonly symmetric: boolean;
}

export interface KeyDirectory {
  /** kms:DescribeKey of a key ARN, key ID, alias name or alias ARN. */
  describeKey(keyId: string): Promise<KeyDescription>;
}

/** A service refused the call and said why (`code` is its error code): the message can be shown as is. */
export class RefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RefusedError';
  }
}
