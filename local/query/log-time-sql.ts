/**
 * A DAS `logTime` as a UTC timestamp, in DuckDB SQL, read as the transformer reads it
 * (lambda/core/shared/partition.ts `parseLogTime`): `2019-05-23 01:31:28.610198+00` (RDS), seven
 * fractional digits (SQL Server), `Z`, `+hh`, `+hh:mm` or `+hhmm` offsets, or none (then UTC). Unlike the
 * transformer, which needs only the hour, it keeps the fraction to the microsecond (Parquet's and
 * Iceberg's precision; the seventh SQL Server digit is dropped). Null for text that is not such a time,
 * an offset beyond ±14 hours, a date that does not exist, or a year before 1970, as parseLogTime does.
 */
export function logTimeSql(value: string): string {
  const pattern = String.raw`^\s*(\d{4})-(\d{2})-(\d{2})[ Tt](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$`;
  const parts = `regexp_extract(${value}, '${pattern}', ['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'z'])`;
  // A leap second (:60) stays in its own minute, as the transformer keeps it in its own hour.
  const local =
    `try_cast(p.y || '-' || p.mo || '-' || p.d || ' ' || p.h || ':' || p.mi || ':' || CASE WHEN p.s = '60' THEN '59' ELSE p.s END ` +
    `|| CASE WHEN p.f = '' THEN '' ELSE '.' || left(p.f, 6) END AS TIMESTAMP)`;
  const sign = `CASE WHEN starts_with(p.z, '-') THEN -1 ELSE 1 END`;
  const hours = `try_cast(substr(p.z, 2, 2) AS INTEGER)`;
  const minutes = `coalesce(try_cast(nullif(replace(substr(p.z, 4), ':', ''), '') AS INTEGER), 0)`;
  const offset = `CASE WHEN p.z IN ('', 'Z', 'z') THEN 0 WHEN ${hours} > 14 OR ${minutes} > 59 THEN NULL ELSE ${sign} * (${hours} * 60 + ${minutes}) END`;
  // The struct is built once per row by the subquery; the day check refuses 2024-02-31, which try_cast does too.
  return (
    `(SELECT CASE WHEN p.y = '' OR try_cast(p.y AS INTEGER) < 1970 THEN NULL ` +
    `ELSE ${local} - to_minutes(${offset}) END FROM (SELECT ${parts} AS p))`
  );
}
