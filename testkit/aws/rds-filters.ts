import type { LocalDatabase } from './rds-databases';

/** The `Filters` of DescribeDBClusters and DescribeDBInstances this endpoint knows; any other name is refused. */

/** A database as a describe lists it: an instance or cluster, or an Aurora cluster's writer instance. */
export interface Row {
  readonly database: LocalDatabase;
  /** The row is an Aurora cluster's writer instance, as DescribeDBInstances lists it. */
  readonly writer: boolean;
}

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/** `Filters.Filter.N.Name` and `Filters.Filter.N.Values.Value.M`, as the SDK writes them. */
export function readFilters(params: URLSearchParams): Filter[] {
  const filters: Filter[] = [];
  for (let n = 1; params.has(`Filters.Filter.${n}.Name`); n++) {
    const values: string[] = [];
    for (let m = 1; params.has(`Filters.Filter.${n}.Values.Value.${m}`); m++) values.push(params.get(`Filters.Filter.${n}.Values.Value.${m}`) as string);
    filters.push({ name: params.get(`Filters.Filter.${n}.Name`) as string, values });
  }
  return filters;
}

const KNOWN: Readonly<Record<'cluster' | 'instance', readonly string[]>> = {
  cluster: ['engine', 'db-cluster-id', 'db-cluster-resource-id'],
  instance: ['engine', 'db-cluster-id', 'db-instance-id', 'dbi-resource-id'],
};

/** The first filter name this endpoint does not know for the operation, if any (the caller refuses it). */
export function unknownFilter(filters: readonly Filter[], kind: 'cluster' | 'instance'): string | undefined {
  return filters.find(({ name }) => !KNOWN[kind].includes(name))?.name;
}

/** Whether the row passes every filter (names checked beforehand with {@link unknownFilter}). */
export function matchesFilters(row: Row, filters: readonly Filter[], kind: 'cluster' | 'instance'): boolean {
  const { database, writer } = row;
  return filters.every(({ name, values }) => {
    const has = (...candidates: string[]) => values.some((value) => candidates.some((candidate) => candidate.toLowerCase() === value.toLowerCase()));
    switch (`${kind}:${name}`) {
      case 'cluster:engine':
      case 'instance:engine':
        return has(database.engine);
      case 'cluster:db-cluster-id':
      case 'instance:db-cluster-id':
        return (kind === 'cluster' || writer) && has(database.identifier, database.arn);
      case 'cluster:db-cluster-resource-id':
        return has(database.resourceId);
      case 'instance:db-instance-id':
        return writer ? has(database.writerIdentifier) : has(database.identifier, database.arn);
      case 'instance:dbi-resource-id':
        return has(writer ? database.writerResourceId : database.resourceId);
      default:
        return false;
    }
  });
}

