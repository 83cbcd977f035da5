import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { loggerFor, s3ClientFor } from './clients';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { SETTINGS } from './settings/definitions';
import { loadAlertPublisherConfig, type AlertPublisherConfig } from './alert-publisher-config';
import { EventBridgeAlertPublisher } from './adapters/eventbridge-alert-publisher';
import { S3AlertOutbox } from './adapters/s3-alert-outbox';
import { SecurityHubFindingPublisher } from './adapters/securityhub-finding-publisher';
import { OUTBOX_PREFIX } from './core/alerts/outbox';
import { publishOutbox, type AlertSink, type PublishReport } from './core/alerts/publish-outbox';
import type { AwsPartition } from './core/alerts/security-finding';
import { ConfigError } from './core/shared/errors';
import { deadlineFor } from './deadline';

import type { Env } from './settings/kinds';

/** An S3 notification (direct, or through EventBridge), or anything else: the schedule's sweep. */
export type AlertPublisherEvent =
  | { readonly Records: ReadonlyArray<{ readonly s3?: { readonly bucket?: { readonly name?: string }; readonly object?: { readonly key?: string } } }> }
  | { readonly 'detail-type': string; readonly detail?: { readonly bucket?: { readonly name?: string }; readonly object?: { readonly key?: string } } }
  | Readonly<Record<string, unknown>>;

export type AlertPublisherContext = Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>;

export type AlertPublisherHandler = (event: AlertPublisherEvent, context?: AlertPublisherContext) => Promise<PublishReport>;

/**
 * The alert publisher's Lambda handler. Invoked by S3 `ObjectCreated` notifications for
 * `alerts/pending/` (publishes the objects named: latency of seconds), and by a schedule every few
 * minutes (sweeps every pending object older than the sweep's minimum age, and measures the backlog).
 * A run whose target fails leaves the objects pending and answers normally: the next sweep sends them
 * again, and the backlog metrics (`AlertsWaiting`, `OldestAlertAgeSeconds`) are what alarms watch.
 *
 * Clients are built once per container; the Security Hub target (when the setting turns it on) needs the account
 * and partition, read from the function's own ARN at the first invocation.
 *
 * @throws ConfigError at the first invocation, naming the setting that is missing or malformed.
 */
export function createAlertPublisherHandler(env: Env = process.env): AlertPublisherHandler {
  const config = loadAlertPublisherConfig(env);
  const service = env.POWERTOOLS_SERVICE_NAME ?? 'das-firehose-alerts';
  const logger = loggerFor(env, service);
  const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: service });
  const requestHandler = { connectionTimeout: config.sdkTimeouts.connectionMs, requestTimeout: config.sdkTimeouts.requestMs, throwOnRequestTimeout: true };
  const s3 = s3ClientFor(env, config.sdkTimeouts);
  const outbox = new S3AlertOutbox(s3, config.bucketName);
  const eventBridge = new EventBridgeAlertPublisher(new EventBridgeClient({ requestHandler }), config.alertEventBus, config.bucketName);
  let sinks: AlertSink[] | undefined;

  return async (event, context) => {
    sinks ??= [eventBridge, ...(config.securityHub ? [securityHubSink(config, env, context, requestHandler)] : [])];
    const keys = notifiedKeys(event, config.bucketName);
    const controller = new AbortController();
    const timing = context ? deadlineFor(context.getRemainingTimeInMillis(), Date.now()) : undefined;
    const timer = timing ? setTimeout(() => controller.abort(new Error('the invocation is running out of time')), timing.deadline - Date.now()) : undefined;
    let report: PublishReport;
    try {
      report = await publishOutbox(
        { outbox, sinks },
        keys !== undefined ? { keys } : { minAgeMs: config.sweepMinAgeSeconds * 1000 },
        controller.signal,
      );
    } finally {
      clearTimeout(timer);
    }
    log(logger, keys === undefined ? 'sweep' : 'notification', report);
    emitPublisherMetrics(metrics, report);
    return report;
  };
}

function securityHubSink(config: AlertPublisherConfig, env: Env, context: AlertPublisherContext | undefined, requestHandler: object): AlertSink {
  // arn:<partition>:lambda:<region>:<account>:function:<name>
  const [, partition, , region, accountId] = (context?.invokedFunctionArn ?? '').split(':');
  if (!partition || !accountId || !/^\d{12}$/.test(accountId)) {
    throw new ConfigError(`${SETTINGS.securityHub.env}=on needs the account: the function was invoked without its ARN in the context (invokedFunctionArn)`);
  }
  const target = {
    accountId,
    region: env.AWS_REGION ?? region ?? '',
    partition: partition as AwsPartition,
    bucket: config.bucketName,
    databaseArns: config.databaseArns,
  };
  return new SecurityHubFindingPublisher(new SecurityHubClient({ requestHandler }), target);
}

/** The outbox keys an S3 notification names (URL-decoded as S3 sends them), or undefined for a sweep. */
export function notifiedKeys(event: AlertPublisherEvent, bucket: string): string[] | undefined {
  const found: Array<{ bucket?: string; key?: string }> = [];
  if (Array.isArray((event as { Records?: unknown }).Records)) {
    for (const record of (event as { Records: Array<{ s3?: { bucket?: { name?: string }; object?: { key?: string } } }> }).Records) {
      // S3 notifications encode keys as in a form: `+` for a space, %XX for the rest.
      const key = record.s3?.object?.key;
      found.push({ bucket: record.s3?.bucket?.name, key: key === undefined ? undefined : decodeURIComponent(key.replace(/\+/g, ' ')) });
    }
  } else if ((event as { 'detail-type'?: unknown })['detail-type'] === 'Object Created') {
    const detail = (event as { detail?: { bucket?: { name?: string }; object?: { key?: string } } }).detail;
    found.push({ bucket: detail?.bucket?.name, key: detail?.object?.key });
  } else {
    return undefined;
  }
  return found.filter((item) => item.bucket === bucket && typeof item.key === 'string' && item.key.startsWith(OUTBOX_PREFIX)).map((item) => item.key as string);
}

/** One line per run with its counts; one per object left pending or set aside: keys and reasons, never alert content. */
function log(logger: Logger, trigger: string, report: PublishReport): void {
  for (const problem of report.unreadable) logger.error('alert outbox object unreadable, moved to alerts/unreadable/', { ...problem });
  for (const problem of report.refused) logger.error('alerts refused for good, object moved to alerts/refused/', { ...problem });
  for (const problem of report.failed) logger.warn('alerts left pending: a target failed', { ...problem });
  // Usually a notification that outran its batch's last PUTs; past a few sweeps, a batch whose writes
  // failed (its retry or re-drive stores the events) and the backlog alarm's age says so.
  for (const problem of report.awaitingEvents) logger.info('alerts left pending: their events are not all stored yet', { ...problem });
  logger.info('alerts published', {
    trigger,
    objectsPublished: report.objectsPublished,
    alertsPublished: report.alertsPublished,
    alertsBySink: report.alertsBySink,
    alertsRefused: report.alertsRefused,
    unreadable: report.unreadable.length,
    failed: report.failed.length,
    awaitingEvents: report.awaitingEvents.length,
    ...(report.waiting !== undefined ? { waiting: report.waiting, oldestAgeSeconds: report.oldestAgeSeconds } : {}),
  });
}

/**
 * The run's metrics as EMF lines: `AlertsPublished` by target, `AlertsRefused`, `AlertOutboxUnreadable`,
 * `AlertPublishFailures`, `AlertsAwaitingEvents` (objects left pending for events not yet stored), and
 * for a sweep the backlog: `AlertsWaiting` and `OldestAlertAgeSeconds` (what the backlog alarm watches: an
 * age past a few sweeps means a target has been failing that long, or a batch's events never came).
 */
export function emitPublisherMetrics(metrics: Metrics, report: PublishReport): void {
  const emit = (name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, dimensions: Record<string, string> = {}): void => {
    // One line per dimension set, flushed at once. Not singleMetric(): that builds a new instance, which
    // reads Powertools' switches (POWERTOOLS_METRICS_DISABLED) again instead of keeping this one's.
    metrics.addDimensions(dimensions);
    metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
  };
  for (const [sink, count] of Object.entries(report.alertsBySink)) emit('AlertsPublished', MetricUnit.Count, count, { Target: sink });
  emit('AlertsRefused', MetricUnit.Count, report.alertsRefused);
  emit('AlertOutboxUnreadable', MetricUnit.Count, report.unreadable.length);
  emit('AlertPublishFailures', MetricUnit.Count, report.failed.length);
  emit('AlertsAwaitingEvents', MetricUnit.Count, report.awaitingEvents.length);
  if (report.waiting !== undefined) {
    emit('AlertsWaiting', MetricUnit.Count, report.waiting);
    emit('OldestAlertAgeSeconds', MetricUnit.Seconds, report.oldestAgeSeconds ?? 0);
  }
}

let instance: AlertPublisherHandler | undefined;

/** The Lambda entry point, built at first use (importing this module reads no settings). */
export const alertPublisherHandler: AlertPublisherHandler = (event, context) => (instance ??= createAlertPublisherHandler())(event, context);
