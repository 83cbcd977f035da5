import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackEndpoint } from './loopback-endpoint';

/**
 * A Lambda stand-in on loopback for the one call this project makes, `Invoke` (RequestResponse), so that
 * the real `@aws-sdk/client-lambda` talks to it unchanged via `AWS_ENDPOINT_URL_LAMBDA`: it runs the
 * function's handler in this process, with a context whose remaining time counts down from the
 * function's timeout, and answers as Lambda does, a handler's error included (`X-Amz-Function-Error`).
 *
 * It refuses what Lambda refuses for that call, with Lambda's error types: an unsigned request, a
 * function it does not have (`ResourceNotFoundException`), a payload that is not JSON
 * (`InvalidRequestContentException`) or over 6 MB (`RequestTooLargeException`). It also refuses the
 * invocation types this project never uses (`Event`, `DryRun`) rather than pretend to run them.
 */

export interface LocalFunction {
  /** The handler, as Lambda calls it: the parsed payload and a context. */
  readonly handler: (payload: unknown, context: { getRemainingTimeInMillis(): number; readonly invokedFunctionArn?: string }) => Promise<unknown>;
  /** @default 15 minutes */
  readonly timeoutMs?: number;
}

const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

class LambdaError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class LocalLambda extends LoopbackEndpoint {
  private readonly functions = new Map<string, LocalFunction>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly region = 'us-east-1',
    private readonly account = '000000000000',
  ) {
    super('LocalLambda');
  }

  /** Adds a function under `name`. */
  register(name: string, fn: LocalFunction): void {
    this.functions.set(name, fn);
  }

  /**
   * Runs `name` as an AWS service invokes it asynchronously (an S3 notification, a schedule): in this
   * process, with the function's context, counted like any invocation. Rejects with the handler's error.
   */
  async invokeEvent(name: string, payload: unknown): Promise<unknown> {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`Function not found: ${name}`);
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    const ends = Date.now() + (fn.timeoutMs ?? 15 * 60_000);
    return fn.handler(payload, {
      getRemainingTimeInMillis: () => Math.max(0, ends - Date.now()),
      invokedFunctionArn: `arn:aws:lambda:${this.region}:${this.account}:function:${name}`,
    });
  }

  /** Invocations of `name` since start. */
  invocations(name: string): number {
    return this.counts.get(name) ?? 0;
  }


  protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk as Buffer);
    }
    try {
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        throw new LambdaError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
      }
      const match = INVOKE_PATH.exec(new URL(request.url ?? '/', 'http://local').pathname);
      if (request.method !== 'POST' || !match) throw new LambdaError('UnknownOperationException', 'The local Lambda endpoint serves Invoke only', 404);
      const name = this.functionName(decodeURIComponent(match[1] as string));
      const fn = this.functions.get(name);
      if (!fn) throw new LambdaError('ResourceNotFoundException', `Function not found: arn:aws:lambda:${this.region}:${this.account}:function:${name}`, 404);
      const type = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      if (type !== 'RequestResponse') throw new LambdaError('InvalidParameterValueException', `The local Lambda endpoint runs RequestResponse invocations only; got ${type}`, 400);
      if (size > MAX_PAYLOAD_BYTES) throw new LambdaError('RequestTooLargeException', `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`, 413);
      let payload: unknown;
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        payload = text.length === 0 ? {} : JSON.parse(text);
      } catch {
        throw new LambdaError('InvalidRequestContentException', 'Could not parse request body into json: Unexpected character', 400);
      }
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      const ends = Date.now() + (fn.timeoutMs ?? 15 * 60_000);
      const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
      try {
        const result = await fn.handler(payload, {
          getRemainingTimeInMillis: () => Math.max(0, ends - Date.now()),
          invokedFunctionArn: `arn:aws:lambda:${this.region}:${this.account}:function:${name}`,
        });
        response.writeHead(200, headers);
        response.end(result === undefined ? 'null' : JSON.stringify(result));
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        response.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' });
        response.end(JSON.stringify({ errorType: failure.name, errorMessage: failure.message, trace: [] }));
      }
    } catch (error) {
      const failure = error instanceof LambdaError ? error : new LambdaError('ServiceException', 'Local Lambda endpoint failed', 500);
      response.writeHead(failure.status, { 'content-type': 'application/json', 'x-amzn-errortype': failure.type });
      response.end(JSON.stringify({ Type: 'User', Message: failure.message, message: failure.message }));
    }
  }

  /** A name, or an ARN (`arn:aws:lambda:<region>:<account>:function:<name>`), as Invoke takes them. */
  private functionName(given: string): string {
    const arn = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:([\w-]+)(?::[\w$-]+)?$/.exec(given);
    return arn ? (arn[1] as string) : given;
  }
}
