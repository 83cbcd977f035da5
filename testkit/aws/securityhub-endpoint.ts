import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEV_ACCOUNT } from './dev-key';
import { LoopbackEndpoint } from './loopback-endpoint';
import { findingProblem } from './securityhub-finding-rules';

/**
 * A Security Hub (CSPM) stand-in on loopback for the one call this project makes, `BatchImportFindings`
 * (restJson1 `POST /findings/import`), so the real `@aws-sdk/client-securityhub` talks to it unchanged via
 * `AWS_ENDPOINT_URL_SECURITYHUB`. It keeps the findings it accepted, by (`ProductArn`, `Id`), as Security
 * Hub does: a re-import with an `UpdatedAt` no later than the stored one changes nothing.
 *
 * It refuses what Security Hub refuses for that call (see docs/research and the API reference):
 * - an unsigned request: 403 `MissingAuthenticationTokenException`;
 * - a body that is not JSON with a `Findings` list, 0 or more than 100 findings, or over 6 MB: the whole
 *   request, 400 `InvalidInputException` (Security Hub documents the limits, not the code: assumed);
 * - any finding whose `AwsAccountId` is not the caller's account, or whose `ProductArn` is not the
 *   caller's default product in the request's Region: the whole request, 403 `AccessDeniedException`;
 * - per finding, inside a 200 answer (`FailedFindings`, `ErrorCode` `InvalidInput`): a required attribute
 *   missing, lengths, timestamps, types, severity, resources, `ProductFields` and `Details.Other` limits,
 *   and a finding over 240 KB.
 * Faults on demand: throttling (429 `LimitExceededException`, which the SDK retries), per-finding failures,
 * whole-request 500s, and a hub that is not enabled (every finding `InvalidAccess`).
 */

export const MAX_FINDINGS = 100;
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;
export const MAX_FINDING_BYTES = 240 * 1024;

/** One finding as Security Hub holds it. */
export type StoredFinding = Readonly<Record<string, unknown>> & { readonly Id: string; readonly ProductArn: string; readonly UpdatedAt: string };

export interface LocalSecurityHubOptions {
  /** The account the caller's credentials belong to. @default the development account (000000000000) */
  readonly account?: string;
}

class SecurityHubError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class LocalSecurityHub extends LoopbackEndpoint {
  readonly account: string;
  /** Findings held, by `ProductArn` and `Id`. */
  private readonly held = new Map<string, StoredFinding>();
  private throttled = 0;
  private requestFaults = 0;
  private findingFaults: string[] = [];
  private calls = 0;
  /** While true, Security Hub is not enabled (or the default product's import is off): every finding fails `InvalidAccess`. */
  disabled = false;
  /** While true, every request is throttled (429). */
  throttling = false;
  /** Told of each request's size, for tests of the publisher's splitting. */
  readonly requestSizes: Array<{ readonly findings: number; readonly bytes: number }> = [];

  constructor(options: LocalSecurityHubOptions = {}) {
    super('LocalSecurityHub');
    this.account = options.account ?? DEV_ACCOUNT;
  }

  /** Every finding held, in the order first imported. */
  get findings(): StoredFinding[] {
    return [...this.held.values()];
  }

  /** BatchImportFindings requests answered (refused ones included). */
  get importCalls(): number {
    return this.calls;
  }

  /** Throttles the next `count` requests (429 `LimitExceededException`). */
  throttleNext(count: number): void {
    this.throttled += count;
  }

  /** Fails the next `count` requests as a whole with a 500 `InternalException`. */
  failNextRequests(count: number): void {
    this.requestFaults += count;
  }

  /** Fails the next `count` otherwise valid findings inside successful answers, with `errorCode`. */
  failNextFindings(count: number, errorCode = 'InternalFailure'): void {
    for (let index = 0; index < count; index++) this.findingFaults.push(errorCode);
  }

  clear(): void {
    this.held.clear();
    this.requestSizes.length = 0;
    this.throttled = 0;
    this.requestFaults = 0;
    this.findingFaults = [];
  }

  protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let status = 200;
    let answer: unknown;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-RequestId': randomUUID() };
    try {
      answer = this.importFindings(request, body);
    } catch (error) {
      const failure = error instanceof SecurityHubError ? error : new SecurityHubError('InternalException', 'Local Security Hub endpoint failed', 500);
      status = failure.status;
      headers['x-amzn-ErrorType'] = failure.type;
      answer = { Code: failure.type, Message: failure.message };
    }
    response.writeHead(status, headers);
    response.end(JSON.stringify(answer));
  }

  private importFindings(request: IncomingMessage, body: Buffer): unknown {
    if (request.method !== 'POST' || (request.url ?? '').split('?')[0] !== '/findings/import') {
      throw new SecurityHubError('ResourceNotFoundException', `No operation ${request.method} ${request.url} on the local Security Hub endpoint`, 404);
    }
    // SigV4: the credential scope names the Region: AWS4-HMAC-SHA256 Credential=AKID/20261121/<region>/securityhub/aws4_request, …
    const scope = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/securityhub\/aws4_request,/.exec(String(request.headers.authorization ?? ''));
    if (!scope) throw new SecurityHubError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    const region = scope[1] as string;
    this.calls += 1;
    if (this.throttling || this.throttled > 0) {
      if (!this.throttling) this.throttled -= 1;
      throw new SecurityHubError('LimitExceededException', 'Rate exceeded', 429);
    }
    if (this.requestFaults > 0) {
      this.requestFaults -= 1;
      throw new SecurityHubError('InternalException', 'Injected failure', 500);
    }
    if (body.length > MAX_REQUEST_BYTES) throw new SecurityHubError('InvalidInputException', `Request size ${body.length} exceeds the limit of 6 MB`, 400);
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      throw new SecurityHubError('InvalidInputException', 'The request body is not valid JSON', 400);
    }
    const findings = (input as { Findings?: unknown } | null)?.Findings;
    if (!Array.isArray(findings)) throw new SecurityHubError('InvalidInputException', 'Findings is required', 400);
    if (findings.length < 1 || findings.length > MAX_FINDINGS) {
      throw new SecurityHubError('InvalidInputException', `Findings must hold between 1 and ${MAX_FINDINGS} findings; got ${findings.length}`, 400);
    }
    this.requestSizes.push({ findings: findings.length, bytes: body.length });
    const product = `arn:aws:securityhub:${region}:${this.account}:product/${this.account}/default`;
    for (const raw of findings as Array<Record<string, unknown> | null>) {
      const arn = raw?.ProductArn;
      // Any partition: the loopback does not know which one the caller is in, only its account and Region.
      const own = typeof arn === 'string' && arn.replace(/^arn:aws[a-z-]*:/, 'arn:aws:') === product;
      if (raw?.AwsAccountId !== this.account || !own) {
        throw new SecurityHubError(
          'AccessDeniedException',
          `User: arn:aws:iam::${this.account}:user/local is not authorized to perform: securityhub:BatchImportFindings on resource: ${typeof arn === 'string' ? arn : 'unknown'}`,
          403,
        );
      }
    }
    const failed: Array<{ Id: string; ErrorCode: string; ErrorMessage: string }> = [];
    for (const raw of findings as Array<Record<string, unknown>>) {
      const id = typeof raw.Id === 'string' && raw.Id.length > 0 ? raw.Id : 'unknown';
      const problem = findingProblem(raw, Buffer.byteLength(JSON.stringify(raw)) > MAX_FINDING_BYTES);
      if (problem) {
        failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: `Finding does not adhere to Amazon Finding Format. ${problem}` });
        continue;
      }
      if (this.disabled) {
        failed.push({ Id: id, ErrorCode: 'InvalidAccess', ErrorMessage: `Account ${this.account} is not subscribed to AWS Security Hub` });
        continue;
      }
      const fault = this.findingFaults.shift();
      if (fault) {
        failed.push({ Id: id, ErrorCode: fault, ErrorMessage: `Injected ${fault}` });
        continue;
      }
      this.hold(raw as StoredFinding);
    }
    return { FailedCount: failed.length, SuccessCount: findings.length - failed.length, ...(failed.length > 0 ? { FailedFindings: failed } : {}) };
  }

  /** Creates, updates (a later `UpdatedAt`) or ignores (an `UpdatedAt` no later than held) the finding. */
  private hold(finding: StoredFinding): void {
    const key = `${finding.ProductArn}\n${finding.Id}`;
    const previous = this.held.get(key);
    if (!previous) {
      this.held.set(key, { ...finding, RecordState: finding.RecordState ?? 'ACTIVE', Workflow: { Status: 'NEW' } });
    } else if (Date.parse(finding.UpdatedAt) > Date.parse(previous.UpdatedAt)) {
      // Customer-owned attributes are kept as they are.
      this.held.set(key, { ...finding, Workflow: previous.Workflow, Note: previous.Note, UserDefinedFields: previous.UserDefinedFields, VerificationState: previous.VerificationState });
    }
  }
}
