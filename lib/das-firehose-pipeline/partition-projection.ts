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

