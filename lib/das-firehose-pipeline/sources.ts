import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type { aws_kinesisfirehose as firehoseRefs } from 'aws-cdk-lib/interfaces';
import type * as kms from 'aws-cdk-lib/aws-kms';

/** The activity streams a pipeline consumes, and the delivery stream it builds for each. */

/** One database activity stream the pipeline consumes. */
export interface ActivityStreamSource {
  /**
   * The Kinesis stream RDS created for the activity stream (`aws-rds-das-<resourceId>`).
   * Firehose reads it from LATEST; the pipeline gets read access to this stream only.
   */
  readonly stream: kinesis.IStream;

  /**
   * The KMS key the activity stream was started with (a key ARN, not an alias). The function may
   * decrypt with it only under this database's encryption context.
   */
  readonly key: kms.IKey;

  /**
   * The database's resource ID: `cluster-…` (Aurora, DbClusterResourceId) or `db-…` (RDS for
   * Oracle and SQL Server, DbiResourceId). It decides the KMS encryption context the function may use.
   * Give it only when the stream is not named `aws-rds-das-<resourceId>`; it is then passed to the
   * function as its resource ID setting, which needs a pipeline with a single stream.
   *
   * It may be a token resolved only at deployment (a {@link DatabaseSources} attribute): then give
   * `name` and `encryptionContextKeys` too.
   *
   * @default - read from the stream name `aws-rds-das-<resourceId>`
   */
  readonly resourceId?: string;

  /**
   * The scope of this database's resources in the pipeline (delivery stream, its role, alarms): a
   * construct id that stays the same across deployments. Needed when the resource ID is a token.
   *
   * @default - the resource ID (the scope existing stacks have)
   */
  readonly name?: string;

  /**
   * The KMS encryption context key(s) RDS may bind this database's data keys to: `aws:rds:dbc-id`
   * for an Aurora cluster, `aws:rds:db-id` for an RDS for Oracle / SQL Server instance. Needed when
   * the resource ID is a token; both when the kind of database is not known until deployment (the
   * function may then decrypt under either key, with the one resource ID as its value).
   *
   * @default - the one the resource ID's prefix says (`cluster-` or `db-`)
   */
  readonly encryptionContextKeys?: readonly EncryptionContextKey[];
}

/** The KMS encryption context key of a database's activity records. */
export type EncryptionContextKey = 'aws:rds:dbc-id' | 'aws:rds:db-id';

/** A delivery stream of the pipeline and the database it carries. */
export interface ActivityStreamDelivery {
  /** The database's resource ID (`cluster-…` or `db-…`). */
  readonly resourceId: string;
  /** The source activity stream. */
  readonly stream: kinesis.IStream;
  /** The Firehose delivery stream reading it (`deliveryStream.deliveryStreamRef` has its name and ARN). */
  readonly deliveryStream: firehoseRefs.IDeliveryStreamRef;
  /** The role Firehose assumes for this delivery stream. */
  readonly role: iam.IRole;
}
