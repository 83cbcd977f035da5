import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { engineOf } from '../core/alerts/activity-vocabulary';
import { ALERT_DETAIL_TYPE, ALERT_SOURCE, type Alert } from '../core/alerts/alerts';
import { mapConcurrent } from '../core/shared/concurrency';
import { parseLogTime } from '../core/shared/partition';
import type { AlertSink } from '../core/alerts/publish-outbox';
import { sleep } from '../core/shared/concurrency';


/** PutEvents takes at most 10 entries and 256 KB a request. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

export interface PublisherOptions {
  /** Attempts per entry, the first included, for entries PutEvents reports failed. @default 4 */
  readonly attempts?: number;
  /** Wait before the second attempt, doubled each time after. @default 200 */
  readonly backoffMs?: number;
  /** PutEvents requests in flight at once. @default 4 */
  readonly concurrency?: number;
}

/**
 * Publishes alerts to an EventBridge bus, one event per alert, in requests of at most 10 entries. A
 * request can succeed while some of its entries fail (`FailedEntryCount`): those entries alone are sent
 * again, with backoff; what still fails after the attempts fails the publish, and so the batch. (The SDK
 * itself retries requests that fail as a whole: throttling, 5xx, timeouts.)
 */
export class EventBridgeAlertPublisher implements AlertSink {
  /** Names the target in the alert publisher's reports and metrics. */
  readonly name = 'eventbridge';
  private calls = 0;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBus: string,
    private readonly bucket: string,
    private readonly options: PublisherOptions = {},
  ) {}

  /** PutEvents requests sent since this publisher was built. */
  get putCalls(): number {
    return this.calls;
  }

  async publish(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const requests = batches(alerts.map((alert) => this.entry(alert)));
    // On a failure, no new request starts, and the publish settles only once those in flight have: no
    // request may still be running after the invocation has answered (Lambda would freeze it mid-way).
    let failure: unknown;
    await mapConcurrent(requests, this.options.concurrency ?? 4, async (entries) => {
      if (failure !== undefined) return;
      try {
        await this.send(entries, signal);
      } catch (error) {
        failure ??= error;
      }
    });
    if (failure !== undefined) throw failure;
  }

  private async send(entries: readonly PutEventsRequestEntry[], signal?: AbortSignal): Promise<void> {
    const attempts = this.options.attempts ?? 4;
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      this.calls += 1;
      const answer = await this.client.send(new PutEventsCommand({ Entries: [...pending] }), signal ? { abortSignal: signal } : {});
      const failed = pending.filter((_, index) => answer.Entries?.[index]?.ErrorCode !== undefined || answer.Entries?.[index] === undefined);
      if (failed.length === 0) return;
      if (attempt >= attempts) {
        const codes = [...new Set((answer.Entries ?? []).map((entry) => entry.ErrorCode).filter(Boolean))].join(', ');
        throw new Error(`EventBridge refused ${failed.length} of ${entries.length} alerts ${attempts} times (${codes || 'no error code'})`);
      }
      await sleep((this.options.backoffMs ?? 200) * 2 ** (attempt - 1), signal);
      pending = failed;
    }
  }

  /** The alert as an event: who, where, what and when, the stored event's place; never the SQL text unless carried. */
  private entry(alert: Alert): PutEventsRequestEntry {
    const time = parseLogTime(alert.details.logTime);
    const detail = {
      alertId: alert.id,
      rule: alert.rule,
      severity: alert.severity,
      description: alert.description,
      resourceId: alert.resourceId,
      engine: engineOf(alert.details.serverType) ?? null,
      ...alert.details,
      eventTime: alert.details.logTime,
      bucket: this.bucket,
      key: alert.key,
      s3Uri: `s3://${this.bucket}/${alert.key}`,
      ...(alert.moreMatches !== undefined
        ? { moreMatches: alert.moreMatches, summary: `${alert.moreMatches} more matches of ${alert.rule} in one batch, beyond the alerts sent one by one: query the audit log for them` }
        : {}),
    };
    return {
      Source: ALERT_SOURCE,
      DetailType: ALERT_DETAIL_TYPE,
      EventBusName: this.eventBus,
      Detail: JSON.stringify(detail),
      ...(time !== undefined ? { Time: new Date(time) } : {}),
    };
  }
}

/** Requests of at most 10 entries and 256 KB (EventBridge counts each entry's strings and its time). */
function batches(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const requests: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(`${entry.Source}${entry.DetailType}${entry.Detail}${entry.EventBusName}`) + 14;
    if (current.length > 0 && (current.length === MAX_ENTRIES || bytes + size > MAX_REQUEST_BYTES)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
