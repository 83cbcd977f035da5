import { EVENTS_PREFIX } from '../bucket-layout';
import { mergeSql, optimizeSql, PLACEHOLDERS, vacuumSql, type ResourceGroup } from './all-events-sql';

/**
 * The loader's state machine as Amazon States Language (JSONata), a plain object: what it loads, when,
 * and how it keeps to one writer. The construct (all-events-loader.ts) wraps it; tests read it.
 *
 * An execution's input picks the hours:
 * - `{}` (the schedule, every 15 minutes): the current UTC hour and the two before it;
 * - `{}` started between 03:00 and 03:14 UTC: the last 7 days and today, then OPTIMIZE per day and VACUUM
 *   (re-driven batches are stored late, under their events' hours);
 * - `{"from": "2026-01-01", "to": "2026-03-31"}`: every hour of those UTC dates (at most 366 days), with
 *   OPTIMIZE per day, then yesterday and today up to the hour it gets there (scheduled runs step aside
 *   while it runs), then VACUUM: the backfill after upgrading a stack whose history is in `events/`.
 */
export interface LoaderDefinitionProps {
  readonly databaseName: string;
  readonly workGroupName: string;
  readonly auditBucketName: string;
  /** The databases split so that each MERGE writes at most 100 partitions. */
  readonly resourceGroups: readonly ResourceGroup[];
}

/** Most days one backfill execution takes (its list of days must fit the 256 KB state payload). */
export const MAX_BACKFILL_DAYS = 366;

/** How often a backfill looks again for another execution to finish, and how many times. */
export const WAIT_FOR_OTHER_SECONDS = 60;
export const WAIT_FOR_OTHER_TIMES = 120;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * A JSONata function of the first and last hour (epoch milliseconds) giving the Map's items: one per
 * UTC day and group of databases, with the day's first and last hour.
 */
function itemsFunction(groupCount: number): string {
  return `function($first, $last) { (
    $firstDay := $floor($first / ${DAY_MS}) * ${DAY_MS};
    $lastDay := $floor($last / ${DAY_MS}) * ${DAY_MS};
    $first > $last ? [] : [0..($lastDay - $firstDay) / ${DAY_MS}].(
      $dayStart := $firstDay + $ * ${DAY_MS};
      $day := {
        'date': $fromMillis($dayStart, '[Y0001]-[M01]-[D01]'),
        'fromHour': ($max([$first, $dayStart]) - $dayStart) / ${HOUR_MS},
        'toHour': ($min([$last, $dayStart + 23 * ${HOUR_MS}]) - $dayStart) / ${HOUR_MS}
      };
      [0..${groupCount - 1}].$merge([$day, { 'group': $ }])
    )
  ) }`;
}

/**
 * JSONata computing the window from the execution's input and start time: `{ mode, items, optimize }`,
 * each item a day, its first and last hour, and the index of a group of databases; or `{ error }`.
 * Items stay small (a year of days fits the 256 KB state payload many times over): the statements are
 * filled per item, in the Map.
 */
export function windowExpression(groupCount: number): string {
  return `{% (
  $start := $toMillis($states.context.Execution.StartTime);
  $input := $states.input;
  $backfill := $exists($input.from) or $exists($input.to);
  $isDate := function($d) { $type($d) = 'string' and $contains($d, /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/) };
  $error := $backfill and $not($isDate($input.from) and $isDate($input.to))
    ? 'from and to must both be UTC dates, YYYY-MM-DD'
    : $backfill and $input.to < $input.from ? 'from must not be after to'
    : $backfill and ($toMillis($input.to & 'T00:00:00.000Z') - $toMillis($input.from & 'T00:00:00.000Z')) / ${DAY_MS} >= ${MAX_BACKFILL_DAYS}
      ? 'a backfill covers at most ${MAX_BACKFILL_DAYS} days: start one execution per year' : '';
  $daily := $not($backfill) and $fromMillis($start, '[H01]') = '03' and $number($fromMillis($start, '[m01]')) < 15;
  $thisHour := $floor($start / ${HOUR_MS}) * ${HOUR_MS};
  $first := $error ? 0 : $backfill ? $toMillis($input.from & 'T00:00:00.000Z') : $daily ? $floor($start / ${DAY_MS}) * ${DAY_MS} - 7 * ${DAY_MS} : $thisHour - 2 * ${HOUR_MS};
  $last := $error ? 0 : $backfill ? $toMillis($input.to & 'T23:00:00.000Z') : $thisHour;
  $items := ${itemsFunction(groupCount)};
  $error ? { 'error': $error } : {
    'mode': $backfill ? 'backfill' : $daily ? 'daily' : 'recent',
    'optimize': $backfill or $daily,
    'to': $backfill ? $input.to : undefined,
    'items': [$items($first, $last)]
  }
) %}`;
}

/**
 * JSONata for the catch-up after a backfill: scheduled runs stepped aside while it ran, so it loads
 * yesterday and today up to the current hour (those after its own range), as of when it gets there.
 */
export function catchUpExpression(groupCount: number): string {
  return `{% (
  $now := $toMillis($states.context.State.EnteredTime);
  $thisHour := $floor($now / ${HOUR_MS}) * ${HOUR_MS};
  $first := $max([$toMillis($window.to & 'T00:00:00.000Z') + ${DAY_MS}, $floor($now / ${DAY_MS}) * ${DAY_MS} - ${DAY_MS}]);
  $items := ${itemsFunction(groupCount)};
  { 'mode': 'catchup', 'optimize': false, 'items': [$items($first, $thisHour)] }
) %}`;
}

/** JSONata turning the listed command folders (`events/command=SELECT/`) into SQL literals. */
export const FOLDERS_EXPRESSION = `{% $join([$states.result.CommonPrefixes.Prefix.("'" & $replace($substringBefore($substringAfter($, 'command='), '/'), "'", "''") & "'")], ',') %}`;

/**
 * JSONata filling a statement's placeholders from the Map item (`$states.input`: date, fromHour, toHour,
 * group, folders) and the groups of databases, written into the expression.
 */
export function fillExpression(sql: string, groups: readonly ResourceGroup[]): string {
  // Parenthesised: `[…][n]` straight after an array constructor does not index it in JSONata.
  const group = `(${JSON.stringify(groups)})[$states.input.group]`;
  const fills: Array<[string, string]> = [
    [PLACEHOLDERS.date, '$states.input.date'],
    [PLACEHOLDERS.hours, `$join([$states.input.fromHour..$states.input.toHour].("'" & $formatNumber($, '00') & "'"), ',')`],
    [PLACEHOLDERS.commandFolders, '$states.input.folders'],
    [PLACEHOLDERS.insertFilter, `${group}.insertFilter`],
    [PLACEHOLDERS.optimizeFilter, `${group}.optimizeFilter`],
  ];
  let expression = JSON.stringify(sql);
  for (const [placeholder, value] of fills) {
    if (sql.includes(placeholder)) expression = `$replace(${expression}, ${JSON.stringify(placeholder)}, ${value})`;
  }
  return `{% ${expression} %}`;
}

/**
 * An Athena failure reaches Step Functions as States.TaskFailed with the reason in its cause; a
 * retrier cannot read the cause, so every failed query is retried a few times, spaced out: what this is
 * for is ICEBERG_COMMIT_ERROR (another commit won the race), and a query that fails for good fails again
 * at no charge (Athena bills no failed query's DDL, and a failed DML scans little).
 */
export const QUERY_RETRY = [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 30, MaxAttempts: 4, BackoffRate: 2, JitterStrategy: 'FULL' }];

function query(props: LoaderDefinitionProps, queryString: string, next: { Next: string } | { End: true }, comment: string): Record<string, unknown> {
  return {
    Type: 'Task',
    Comment: comment,
    Resource: 'arn:aws:states:::athena:startQueryExecution.sync',
    Arguments: {
      QueryString: queryString,
      WorkGroup: props.workGroupName,
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: props.databaseName },
    },
    Retry: QUERY_RETRY,
    // The item goes on to the next state; the query's own output (its SQL, statistics) is not kept.
    Output: '{% $states.input %}',
    ...next,
  };
}

/** The state machine's definition. */
export function loaderDefinition(props: LoaderDefinitionProps): Record<string, unknown> {
  return {
    Comment: 'das-firehose: loads events/ into the all_events Iceberg table with an insert-only Athena MERGE, one day at a time',
    QueryLanguage: 'JSONata',
    StartAt: 'Window',
    States: {
      Window: {
        Type: 'Pass',
        Comment: 'The hours to load: the last three, the last 7 days (03:00 UTC), or the input\'s from..to',
        Assign: { window: windowExpression(props.resourceGroups.length), waits: 0 },
        Next: 'CheckWindow',
      },
      CheckWindow: {
        Type: 'Choice',
        Choices: [{ Condition: '{% $exists($window.error) %}', Next: 'BadInput' }],
        Default: 'ListRunningLoads',
      },
      BadInput: { Type: 'Fail', Error: 'BadInput', Cause: '{% $window.error %}' },
      ListRunningLoads: {
        Type: 'Task',
        Comment: 'One writer at a time: concurrent Iceberg commits fail or, insert-only, can duplicate rows',
        Resource: 'arn:aws:states:::aws-sdk:sfn:listExecutions',
        Arguments: { StateMachineArn: '{% $states.context.StateMachine.Id %}', StatusFilter: 'RUNNING', MaxResults: 100 },
        Assign: { others: '{% $count($states.result.Executions[ExecutionArn != $states.context.Execution.Id]) %}' },
        Output: '{% $states.input %}',
        Next: 'CheckRunningLoads',
      },
      CheckRunningLoads: {
        Type: 'Choice',
        Choices: [
          // A scheduled run leaves the hours to the next one; a backfill waits its turn.
          { Condition: "{% $others > 0 and $window.mode != 'backfill' %}", Next: 'AnotherLoadRunning' },
          { Condition: `{% $others > 0 and $waits >= ${WAIT_FOR_OTHER_TIMES} %}`, Next: 'AnotherLoadStillRunning' },
          { Condition: '{% $others > 0 %}', Next: 'WaitForOtherLoad' },
        ],
        Default: 'ListCommandFolders',
      },
      AnotherLoadRunning: { Type: 'Succeed', Comment: 'Another execution is loading; the next scheduled run covers these hours' },
      AnotherLoadStillRunning: {
        Type: 'Fail',
        Error: 'AnotherLoadStillRunning',
        Cause: `Another execution of the loader kept running for ${(WAIT_FOR_OTHER_SECONDS * WAIT_FOR_OTHER_TIMES) / 3600} hours; start the backfill again once it has finished`,
      },
      WaitForOtherLoad: { Type: 'Wait', Seconds: WAIT_FOR_OTHER_SECONDS, Assign: { waits: '{% $waits + 1 %}' }, Next: 'ListRunningLoads' },
      ListCommandFolders: {
        Type: 'Task',
        Comment: 'The command folders of events/: the source table injects them, so each MERGE names them',
        Resource: 'arn:aws:states:::aws-sdk:s3:listObjectsV2',
        Arguments: { Bucket: props.auditBucketName, Prefix: EVENTS_PREFIX, Delimiter: '/', MaxKeys: 1000 },
        Assign: { folders: FOLDERS_EXPRESSION, truncated: '{% $states.result.IsTruncated = true %}' },
        Output: '{% $states.input %}',
        Next: 'CheckCommandFolders',
      },
      CheckCommandFolders: {
        Type: 'Choice',
        Choices: [
          { Condition: '{% $truncated %}', Next: 'TooManyCommandFolders' },
          { Condition: "{% $folders = '' %}", Next: 'NothingToLoad' },
        ],
        Default: 'LoadDays',
      },
      TooManyCommandFolders: {
        Type: 'Fail',
        Error: 'TooManyCommandFolders',
        Cause: 'events/ holds more than 1000 command folders; the loader names them all in each MERGE and lists one page only',
      },
      NothingToLoad: { Type: 'Succeed', Comment: 'events/ holds no command folder yet' },
      LoadDays: {
        Type: 'Map',
        Comment: 'One day at a time, one writer: each MERGE writes at most 100 partitions (database x day)',
        Items: '{% $window.items %}',
        ItemSelector: {
          date: '{% $states.context.Map.Item.Value.date %}',
          fromHour: '{% $states.context.Map.Item.Value.fromHour %}',
          toHour: '{% $states.context.Map.Item.Value.toHour %}',
          group: '{% $states.context.Map.Item.Value.group %}',
          folders: '{% $folders %}',
          optimize: '{% $window.optimize %}',
        },
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Merge',
          States: {
            Merge: query(props, fillExpression(mergeSql(props.databaseName), props.resourceGroups), { Next: 'CheckOptimize' }, 'Insert the day\'s events all_events does not hold yet'),
            CheckOptimize: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.optimize %}', Next: 'Optimize' }], Default: 'DayLoaded' },
            Optimize: query(props, fillExpression(optimizeSql(props.databaseName), props.resourceGroups), { End: true }, 'Rewrite the day\'s small files into larger ones'),
            DayLoaded: { Type: 'Succeed' },
          },
        },
        Output: '{% {} %}',
        Next: 'CheckCatchUp',
      },
      CheckCatchUp: { Type: 'Choice', Choices: [{ Condition: "{% $window.mode = 'backfill' %}", Next: 'CatchUp' }], Default: 'CheckVacuum' },
      CatchUp: {
        Type: 'Pass',
        Comment: 'Scheduled runs stepped aside during the backfill: load yesterday and today up to now',
        Assign: { window: catchUpExpression(props.resourceGroups.length) },
        // Listed again: a command first seen during the backfill has a folder of its own by now.
        Next: 'ListCommandFolders',
      },
      CheckVacuum: { Type: 'Choice', Choices: [{ Condition: "{% $window.mode != 'recent' %}", Next: 'Vacuum' }], Default: 'Loaded' },
      Vacuum: query(props, vacuumSql(props.databaseName), { Next: 'Loaded' }, 'Remove the files OPTIMIZE replaced, once no snapshot kept needs them'),
      Loaded: { Type: 'Succeed' },
    },
  };
}
