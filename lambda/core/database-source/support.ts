import type { DatabaseDescription, StreamMode } from './database';

/**
 * Which databases can have an activity stream, as the RDS and Aurora user guides list it
 * (DBActivityStreams.Overview, "Supported Regions and engines"). RDS itself has the last word when a
 * stream is started: an instance class missing here is reported as unlisted, not refused.
 */

/** The documentation pages a message points to. */
export const SUPPORT_DOCS = {
  aurora: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/DBActivityStreams.Overview.html',
  rds: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/DBActivityStreams.Overview.html',
} as const;

interface EngineSupport {
  readonly label: string;
  readonly modes: readonly StreamMode[];
  /** Instance class families with activity streams (`db.<family>.<size>`, sizes `large` and up). */
  readonly families: readonly string[];
  /** Why this version has no activity streams, or undefined when it has. */
  readonly version: (version: string) => string | undefined;
}

const AURORA_POSTGRESQL: EngineSupport = {
  label: 'Aurora PostgreSQL',
  modes: ['async', 'sync'],
  families: ['r8g', 'r7i', 'r7g', 'r6g', 'r6i', 'r6id', 'r5', 'r4', 'x2g'],
  version: () => undefined,
};

const AURORA_MYSQL: EngineSupport = {
  label: 'Aurora MySQL',
  modes: ['async'],
  families: ['r8g', 'r7g', 'r7i', 'r6g', 'r6i', 'r5', 'x2g'],
  version: (version) => {
    const [, major, minor] = /mysql_aurora\.(\d+)\.(\d+)/.exec(version) ?? [];
    if (major === undefined) return undefined;
    return Number(major) >= 3 || (Number(major) === 2 && Number(minor) >= 11) ? undefined : `Aurora MySQL ${version} has none: version 2 needs 2.11 or later, or upgrade to version 3`;
  },
};

const ORACLE: EngineSupport = {
  label: 'RDS for Oracle',
  modes: ['async'],
  families: ['m4', 'm5', 'm5d', 'm6i', 'r4', 'r5', 'r5b', 'r5d', 'r6i', 'x2idn', 'x2iedn', 'x2iezn', 'z1d'],
  version: (version) => (version.startsWith('19.') ? undefined : `Oracle ${version} has none: activity streams need Oracle Database 19c`),
};

const SQL_SERVER: EngineSupport = {
  label: 'RDS for SQL Server',
  modes: ['async'],
  families: ['m4', 'm5', 'm5d', 'm6i', 'r4', 'r5', 'r5b', 'r5d', 'r6i', 'x1e', 'z1d'],
  version: (version) => (Number(version.split('.')[0]) >= 13 ? undefined : `SQL Server ${version} has none: activity streams need SQL Server 2016 or later`),
};

/** The engine's support entry, undefined for engines without activity streams. */
function engineSupport(engine: string): EngineSupport | undefined {
  if (engine === 'aurora-postgresql') return AURORA_POSTGRESQL;
  if (engine === 'aurora-mysql') return AURORA_MYSQL;
  if (engine.startsWith('oracle-')) return ORACLE;
  if (engine.startsWith('sqlserver-')) return SQL_SERVER;
  return undefined;
}

export interface StreamSupport {
  /** What rules activity streams out for this database (engine, version, Serverless, burstable class). */
  readonly blockers: readonly string[];
  /** A class the documentation does not list: RDS may still accept it (the lists lag new classes). */
  readonly unlisted?: string;
  /** The modes the engine allows; empty when it has no activity streams. */
  readonly modes: readonly StreamMode[];
  readonly docs: string;
}

/** What the documentation says of this database's activity stream. */
export function streamSupport(database: Pick<DatabaseDescription, 'engine' | 'engineVersion' | 'instanceClass'>): StreamSupport {
  const support = engineSupport(database.engine);
  const docs = database.engine.startsWith('aurora') ? SUPPORT_DOCS.aurora : SUPPORT_DOCS.rds;
  if (!support) {
    return { blockers: [`engine ${database.engine} has no activity streams (only Aurora PostgreSQL, Aurora MySQL, RDS for Oracle and RDS for SQL Server have)`], modes: [], docs };
  }
  const blockers: string[] = [];
  const version = support.version(database.engineVersion);
  if (version) blockers.push(version);
  const instanceClass = database.instanceClass;
  let unlisted: string | undefined;
  if (instanceClass === 'db.serverless') blockers.push('Aurora Serverless v2 (db.serverless) has no activity streams: use a provisioned instance class');
  else if (instanceClass !== undefined && /^db\.t\d/.test(instanceClass)) blockers.push(`burstable class ${instanceClass} has no activity streams: use a memory optimized class such as db.r6g.large`);
  else if (instanceClass !== undefined) {
    const [, family, size] = /^db\.([a-z0-9-]+)\.(.+)$/.exec(instanceClass) ?? [];
    if (family === undefined || !support.families.includes(family) || !/large$/.test(size ?? '')) {
      unlisted = `class ${instanceClass} is not in the documented list for ${support.label} (${support.families.map((item) => `db.${item}`).join(', ')}; large and up)`;
    }
  }
  return { blockers, ...(unlisted ? { unlisted } : {}), modes: blockers.length > 0 ? [] : support.modes, docs };
}
