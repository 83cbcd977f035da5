import type * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { FIRST_PARTITION_DATE, type AuditTable } from './audit-tables';

const HOURS = Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, '0'));

/**
 * Athena partition projection for a table's partitions: `date` from 2019 to now, `hour` 00 to 23,
 * `resource` the stack's databases, anything else (the command folder) injected.
 */
export function projectionParameters(partitions: AuditTable['partitions'], resourceIds: readonly string[]): Record<string, string> {
  const projection: Record<string, string> = { 'projection.enabled': 'true' };
  for (const partition of partitions) {
    const key = `projection.${partition.name}`;
    if (partition.name === 'date') {
      Object.assign(projection, {
        [`${key}.type`]: 'date',
        [`${key}.format`]: 'yyyy-MM-dd',
        [`${key}.range`]: `${FIRST_PARTITION_DATE},NOW`,
        [`${key}.interval`]: '1',
        [`${key}.interval.unit`]: 'DAYS',
      });
    } else if (partition.name === 'hour') {
      // The folder names exactly ('00' to '23'), so that the string column compares as the path reads.
      Object.assign(projection, { [`${key}.type`]: 'enum', [`${key}.values`]: HOURS.join(',') });
    } else if (partition.name === 'resource') {
      // The databases this stack delivers: the only ones that can have a folder here.
      Object.assign(projection, { [`${key}.type`]: 'enum', [`${key}.values`]: resourceIds.join(',') });
    } else {
      // Commands are open-ended (a new engine version, a custom one): the query names the one it wants.
      projection[`${key}.type`] = 'injected';
    }
  }
  return projection;
}

/** How a text table's lines are read: the Glue classification, the SerDe and its columns. */
export interface TextTableFormat {
  readonly classification: string;
  readonly serde: glue.CfnTable.SerdeInfoProperty;
  readonly columns: glue.CfnTable.ColumnProperty[];
}

/**
 * A Glue table over gzip text objects under a table's prefix of `bucket`, every partition a string,
 * projected (`projectionParameters`), the path read from the table's template.
 */
export function gzipTextTableInput(table: AuditTable, bucket: s3.IBucket, resourceIds: readonly string[], format: TextTableFormat): glue.CfnTable.TableInputProperty {
  const location = `s3://${bucket.bucketName}/${table.prefix}`;
  return {
    name: table.name,
    description: table.comment,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      classification: format.classification,
      compressionType: 'gzip',
      'storage.location.template': `${location}${table.pathTemplate}`,
      ...projectionParameters(table.partitions, resourceIds),
    },
    partitionKeys: table.partitions.map((partition) => ({ name: partition.name, type: 'string', comment: partition.comment })),
    storageDescriptor: {
      location,
      inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      compressed: true,
      serdeInfo: format.serde,
      columns: format.columns,
    },
  };
}
