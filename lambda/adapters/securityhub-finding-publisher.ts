import { BatchImportFindingsCommand, type AwsSecurityFinding, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Alert } from '../core/alerts/alerts';
import type { AlertSink, RefusedAlert } from '../core/alerts/publish-outbox';
import { securityFinding, stableTimeOf, type FindingTarget, type SecurityFinding } from '../core/alerts/security-finding';
import { sleep } from '../core/shared/concurrency';

/** BatchImportFindings takes 1 to 100 findings, at most 6 MB a request and 240 KB a finding. */
export const MAX_FINDINGS_PER_REQUEST = 100;
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;
export const MAX_FINDING_BYTES = 240 * 1024;
/** Room kept in a request for `{"Findings":[…]}` and the separators. */
const ENVELOPE_BYTES = 64;

/** Per-finding codes that say the finding itself is wrong: sending it again cannot succeed. */
const REFUSED_FOR_GOOD = new Set(['InvalidInput', 'FindingSizeExceeded']);

export interface SecurityHubPublisherOptions {
  /** Attempts per finding, the first included, for findings failed for a transient reason. @default 4 */
  readonly attempts?: number;
  /** Wait before the second attempt, doubled each time after. @default 200 */
  readonly backoffMs?: number;
  /** Requests started per second by this publisher (Security Hub allows 10, bursts of 30). @default 10 */
  readonly requestsPerSecond?: number;
}

/** Security Hub could not take every finding (after the retries), or refused a request as a whole. */
export class SecurityHubPublishError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecurityHubPublishError';
  }
}

/**
 * Sends alerts to Security Hub (CSPM) as ASFF findings of the account's default product. Requests hold
 * at most 100 findings and 6 MB, paced to Security Hub's 10 a second. Whole requests that fail for a
 * transient reason (throttling `LimitExceededException` 429, 5xx, timeouts) are retried by the SDK;
 * findings Security Hub reports failed inside a successful answer are sent again with backoff, except:
 * - `InvalidInput` (or a finding over 240 KB, never sent): the finding itself is wrong; it is answered
 *   as refused (the publisher sets its outbox object aside and reports it);
 * - `InvalidAccess` (Security Hub or the import from the default product is not enabled): a setting of
 *   the account; the publish rejects at once, and the alerts wait for it.
 * A whole-request refusal (`AccessDeniedException`: IAM, account or Region; `InvalidInputException`)
 * rejects with the service's error named.
 */
export class SecurityHubFindingPublisher implements AlertSink {
  readonly name = 'securityhub';
  private calls = 0;
  private nextStart = 0;

  constructor(
    private readonly client: SecurityHubClient,
    private readonly target: FindingTarget,
    private readonly options: SecurityHubPublisherOptions = {},
  ) {}

  /** BatchImportFindings requests sent since this publisher was built. */
  get importCalls(): number {
    return this.calls;
  }

  async publish(alerts: readonly Alert[], signal?: AbortSignal): Promise<{ refused: RefusedAlert[] }> {
    // A summary alert has no event time of its own: the batch's latest stands in, the same on every attempt.
    const fallback = stableTimeOf(alerts, new Date().toISOString());
    const refused: RefusedAlert[] = [];
    const sized: Array<{ alertId: string; finding: SecurityFinding; bytes: number }> = [];
    for (const alert of alerts) {
      const finding = securityFinding(alert, this.target, fallback);
      const bytes = Buffer.byteLength(JSON.stringify(finding));
      if (bytes > MAX_FINDING_BYTES) refused.push({ alertId: alert.id, reason: `finding of ${bytes} bytes is over Security Hub's 240 KB` });
      else sized.push({ alertId: alert.id, finding, bytes });
    }
    for (const request of requestsOf(sized)) refused.push(...(await this.send(request, signal)));
    return { refused };
  }

  private async send(request: ReadonlyArray<{ alertId: string; finding: SecurityFinding }>, signal?: AbortSignal): Promise<RefusedAlert[]> {
    const attempts = this.options.attempts ?? 4;
    const refused: RefusedAlert[] = [];
    let pending = request;
    for (let attempt = 1; ; attempt++) {
      await this.pace(signal);
      this.calls += 1;
      let answer;
      try {
        answer = await this.client.send(
          new BatchImportFindingsCommand({ Findings: pending.map((item): AwsSecurityFinding => item.finding) }),
          signal ? { abortSignal: signal } : {},
        );
      } catch (error) {
        const name = (error as { name?: string }).name ?? 'Error';
        throw new SecurityHubPublishError(`BatchImportFindings refused a request of ${pending.length} findings: ${name}: ${(error as Error).message}`, { cause: error });
      }
      const failures = new Map((answer.FailedFindings ?? []).map((failure) => [failure.Id, failure]));
      const retry: Array<{ alertId: string; finding: SecurityFinding }> = [];
      for (const item of pending) {
        const failure = failures.get(item.finding.Id);
        if (!failure) continue;
        const code = failure.ErrorCode ?? 'Unknown';
        if (REFUSED_FOR_GOOD.has(code)) refused.push({ alertId: item.alertId, reason: `${code}: ${(failure.ErrorMessage ?? '').slice(0, 300)}` });
        else if (code === 'InvalidAccess') {
          throw new SecurityHubPublishError(
            `Security Hub answered InvalidAccess for ${failures.size} of ${pending.length} findings: is Security Hub CSPM enabled in ${this.target.region}, and the import of findings into product/${this.target.accountId}/default accepted?`,
          );
        } else retry.push(item);
      }
      // A failure naming no finding of the request would otherwise go unnoticed.
      if (failures.size === 0 && (answer.FailedCount ?? 0) > 0) retry.push(...pending);
      if (retry.length === 0) return refused;
      if (attempt >= attempts) {
        const codes = [...new Set(retry.map((item) => failures.get(item.finding.Id)?.ErrorCode ?? 'no error code'))].join(', ');
        throw new SecurityHubPublishError(`Security Hub failed ${retry.length} of ${request.length} findings ${attempts} times (${codes})`);
      }
      await sleep((this.options.backoffMs ?? 200) * 2 ** (attempt - 1), signal);
      pending = retry;
    }
  }

  /** Starts requests no faster than the rate Security Hub sustains, so that bursts do not turn into 429s. */
  private async pace(signal?: AbortSignal): Promise<void> {
    const interval = 1000 / (this.options.requestsPerSecond ?? 10);
    const now = Date.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + interval;
    if (start > now) await sleep(start - now, signal);
  }
}

/** Requests of at most 100 findings and 6 MB, in alert order. */
export function requestsOf<T extends { bytes: number }>(findings: readonly T[]): T[][] {
  const requests: T[][] = [];
  let current: T[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const finding of findings) {
    if (current.length > 0 && (current.length === MAX_FINDINGS_PER_REQUEST || bytes + finding.bytes + 1 > MAX_REQUEST_BYTES)) {
      requests.push(current);
      current = [];
      bytes = ENVELOPE_BYTES;
    }
    current.push(finding);
    bytes += finding.bytes + 1;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
