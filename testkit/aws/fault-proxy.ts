import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxyOptions {
  /** Where requests go, e.g. the s3rver endpoint `http://127.0.0.1:4568`. */
  readonly target: string;
  /** Added to every request before it is forwarded, to stand in for a region's round trip. @default 0 */
  readonly latencyMs?: number;
  readonly port?: number;
}

/** What went through the proxy since start or the last reset, by HTTP method. */
export interface ProxyTraffic {
  readonly requests: Record<string, number>;
  /** Request body bytes by method (PUT bodies are the objects written). */
  readonly bodyBytes: Record<string, number>;
}

/**
 * What a request can run into:
 * - `internal-error`: S3's `500 InternalError`, without forwarding;
 * - `slow-down`: S3's `503 SlowDown`, without forwarding;
 * - `reset-before`: the connection is reset before the request reaches the server;
 * - `reset-after`: the request is forwarded (an object is written), then the connection is reset
 *   instead of answering, so the client cannot know it succeeded;
 * - `hang`: the request is read and never answered.
 */
export type FaultKind = 'internal-error' | 'slow-down' | 'reset-before' | 'reset-after' | 'hang';

export interface FaultRule {
  readonly kind: FaultKind;
  /** Only requests with this method. @default any */
  readonly method?: string;
  /** Only requests whose path (URL-decoded) contains this. @default any */
  readonly pathIncludes?: string;
  /** How many matching requests it applies to. @default every one */
  readonly times?: number;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of one upstream (s3rver): it adds a fixed delay to stand in for a
 * region's round trip, counts requests (an account of PUTs that does not rely on the client's word), and
 * injects the faults a real S3 produces only when it wants to, for the tests of what the transformer
 * does when S3 misbehaves.
 */
export class FaultProxy {
  latencyMs: number;
  private server?: Server;
  private readonly target: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  private requests: Record<string, number> = {};
  private bodyBytes: Record<string, number> = {};
  private rules: Array<{ rule: FaultRule; left: number }> = [];
  private faults: Record<FaultKind, number> = emptyCounts();

  constructor(private readonly options: FaultProxyOptions) {
    this.target = new URL(options.target);
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Starts listening and resolves to the proxy's endpoint URL. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, '127.0.0.1', resolve);
    });
    return this.endpoint;
  }

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('FaultProxy is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Adds a fault; rules are tried in the order added, and the first that matches applies. */
  inject(rule: FaultRule): void {
    this.rules.push({ rule, left: rule.times ?? Infinity });
  }

  /** Removes every fault: requests are forwarded again. */
  heal(): void {
    this.rules = [];
  }

  /** Faults applied since start or the last reset, by kind. */
  faultsApplied(): Record<FaultKind, number> {
    return { ...this.faults };
  }

  traffic(): ProxyTraffic {
    return { requests: { ...this.requests }, bodyBytes: { ...this.bodyBytes } };
  }

  resetTraffic(): void {
    this.requests = {};
    this.bodyBytes = {};
    this.faults = emptyCounts();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.agent.destroy();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    this.requests[method] = (this.requests[method] ?? 0) + 1;
    request.on('data', (chunk: Buffer) => {
      this.bodyBytes[method] = (this.bodyBytes[method] ?? 0) + chunk.length;
    });
    // Node buffers the body while paused, so the upstream sees it whole after the delay.
    request.pause();
    const fault = this.faultFor(method, decodeURIComponent(request.url ?? ''));
    const act = (): void => {
      if (fault) this.faults[fault] += 1;
      switch (fault) {
        case 'internal-error':
          return drainThen(request, () => s3Error(response, 500, 'InternalError', 'We encountered an internal error. Please try again.'));
        case 'slow-down':
          return drainThen(request, () => s3Error(response, 503, 'SlowDown', 'Please reduce your request rate.'));
        case 'reset-before':
          request.socket.destroy();
          return;
        case 'hang':
          request.resume(); // read it all, answer nothing
          return;
        default:
          this.forward(request, response, fault === 'reset-after');
      }
    };
    if (this.latencyMs > 0) setTimeout(act, this.latencyMs);
    else act();
  }

  private faultFor(method: string, path: string): FaultKind | undefined {
    for (const entry of this.rules) {
      const { rule } = entry;
      if (entry.left <= 0) continue;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (rule.pathIncludes !== undefined && !path.includes(rule.pathIncludes)) continue;
      entry.left -= 1;
      return rule.kind;
    }
    return undefined;
  }

  private forward(request: IncomingMessage, response: ServerResponse, resetAfter: boolean): void {
    const upstream = httpRequest(
      {
        protocol: this.target.protocol,
        hostname: this.target.hostname,
        port: this.target.port,
        method: request.method,
        path: request.url,
        // The Host header stays as the client sent it: SigV4 signs it, and s3rver ignores it.
        headers: request.headers,
        agent: this.agent,
      },
      (answer) => {
        if (resetAfter) {
          // The server has done the work; the client never hears of it.
          answer.resume();
          answer.on('end', () => request.socket.destroy());
          return;
        }
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`fault proxy: upstream failed: ${error.message}`);
    });
    request.pipe(upstream);
    request.resume();
  }
}

function emptyCounts(): Record<FaultKind, number> {
  return { 'internal-error': 0, 'slow-down': 0, 'reset-before': 0, 'reset-after': 0, hang: 0 };
}

function drainThen(request: IncomingMessage, then: () => void): void {
  request.on('end', then);
  request.resume();
}

function s3Error(response: ServerResponse, status: number, code: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAULTPROXY</RequestId></Error>`);
}
