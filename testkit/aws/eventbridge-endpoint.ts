import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackEndpoint } from './loopback-endpoint';

/**
 * An EventBridge stand-in on loopback for the one call this project makes, `PutEvents`, speaking its JSON
 * protocol (`X-Amz-Target: AWSEvents.PutEvents`) so the real `@aws-sdk/client-eventbridge` talks to it
 * unchanged via `AWS_ENDPOINT_URL_EVENTBRIDGE`. It keeps what it accepts, for `npm start`'s report and the
 * tests.
 *
 * It refuses what EventBridge refuses for that call, with EventBridge's error types: an unsigned request,
 * no entries or more than 10 (`ValidationException`), more than 256 KB in all; and per entry, as
 * EventBridge answers them inside a successful response (`FailedEntryCount`), a missing `Source` or
 * `DetailType` (`InvalidArgument`) and a `Detail` that is not a JSON object (`MalformedDetail`). Like
 * EventBridge, it accepts any bus name. Faults on demand: entries failed (`failNextEntries`), whole
 * requests failed (`failNextRequests`), or every request failed while it is `down`.
 */

/** One event EventBridge accepted. */
export interface AcceptedEvent {
  readonly eventId: string;
  readonly eventBus: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly time?: number;
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

class EventBridgeError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class LocalEventBridge extends LoopbackEndpoint {
  constructor() {
    super('LocalEventBridge');
  }

  readonly events: AcceptedEvent[] = [];
  private entryFaults: string[] = [];
  private requestFaults = 0;
  private requests = 0;
  /** While true, every request fails with a 500, as an outage does. */
  down = false;
  /** Told of every event accepted, e.g. to print alerts as they arrive. */
  onEvent?: (event: AcceptedEvent) => void;


  /** PutEvents requests answered since start. */
  get putEventsCalls(): number {
    return this.requests;
  }

  /** Fails the next `count` entries inside otherwise successful answers, as EventBridge does under load. */
  failNextEntries(count: number, errorCode = 'ThrottlingException'): void {
    for (let index = 0; index < count; index++) this.entryFaults.push(errorCode);
  }

  /** Fails the next `count` requests as a whole with a 500. */
  failNextRequests(count: number): void {
    this.requestFaults += count;
  }

  clear(): void {
    this.events.length = 0;
    this.entryFaults = [];
    this.requestFaults = 0;
  }

  protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let status = 200;
    let body: unknown;
    try {
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        throw new EventBridgeError('MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^AWSEvents\./, '');
      if (operation !== 'PutEvents') throw new EventBridgeError('UnknownOperationException', `Operation ${operation} is not supported by the local EventBridge endpoint`);
      this.requests += 1;
      if (this.down || this.requestFaults > 0) {
        if (!this.down) this.requestFaults -= 1;
        throw new EventBridgeError('InternalException', 'Injected failure', 500);
      }
      let input: { Entries?: unknown };
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { Entries?: unknown };
      } catch {
        throw new EventBridgeError('SerializationException', 'Start of structure or map found where not expected.');
      }
      body = this.putEvents(input.Entries);
    } catch (error) {
      const failure = error instanceof EventBridgeError ? error : new EventBridgeError('InternalException', 'Local EventBridge endpoint failed', 500);
      status = failure.status;
      body = { __type: failure.type, message: failure.message };
    }
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  }

  private putEvents(entries: unknown): unknown {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new EventBridgeError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES} and greater than or equal to 1`,
      );
    }
    const size = entries.reduce((sum: number, entry: Record<string, unknown>) => sum + Buffer.byteLength(JSON.stringify(entry ?? {})), 0);
    if (size > MAX_REQUEST_BYTES) throw new EventBridgeError('ValidationException', 'Total size of the entries in the request is over the limit.');
    let failed = 0;
    const answers = entries.map((raw: Record<string, unknown>) => {
      const entry = raw ?? {};
      const refusal = entryProblem(entry);
      const fault = refusal ? undefined : this.entryFaults.shift();
      if (refusal || fault) {
        failed += 1;
        return refusal ?? { ErrorCode: fault, ErrorMessage: `Injected ${fault}` };
      }
      const eventId = randomUUID();
      const accepted: AcceptedEvent = {
        eventId,
        eventBus: typeof entry.EventBusName === 'string' && entry.EventBusName ? entry.EventBusName : 'default',
        source: entry.Source as string,
        detailType: entry.DetailType as string,
        detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
        ...(typeof entry.Time === 'number' ? { time: entry.Time * 1000 } : {}),
      };
      this.events.push(accepted);
      this.onEvent?.(accepted);
      return { EventId: eventId };
    });
    return { FailedEntryCount: failed, Entries: answers };
  }
}

function entryProblem(entry: Record<string, unknown>): { ErrorCode: string; ErrorMessage: string } | undefined {
  for (const [name, max] of [['Source', 256], ['DetailType', 128]] as const) {
    const value = entry[name];
    if (typeof value !== 'string' || value.length === 0 || value.length > max) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.` };
    }
  }
  let detail: unknown;
  try {
    detail = typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : undefined;
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return undefined;
}
