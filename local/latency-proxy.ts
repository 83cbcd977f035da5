import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LatencyProxyOptions {
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
 * An HTTP proxy on 127.0.0.1 that forwards every request to one upstream after a fixed delay.
 * It gives a loopback server (s3rver has no latency option) the round-trip time of a regional
 * service, so concurrency in the client shows up in wall time the way it would against S3.
 * It also counts requests per method, an account of PUTs that does not rely on the client's word.
 */
export class LatencyProxy {
  latencyMs: number;
  private server?: Server;
  private readonly target: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  private requests: Record<string, number> = {};
  private bodyBytes: Record<string, number> = {};

  constructor(private readonly options: LatencyProxyOptions) {
    this.target = new URL(options.target);
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Starts listening and resolves to the proxy's endpoint URL. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => this.forward(request, response));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, '127.0.0.1', resolve);
    });
    return this.endpoint;
  }

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('LatencyProxy is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  traffic(): ProxyTraffic {
    return { requests: { ...this.requests }, bodyBytes: { ...this.bodyBytes } };
  }

  resetTraffic(): void {
    this.requests = {};
    this.bodyBytes = {};
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.agent.destroy();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private forward(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    this.requests[method] = (this.requests[method] ?? 0) + 1;
    request.on('data', (chunk: Buffer) => {
      this.bodyBytes[method] = (this.bodyBytes[method] ?? 0) + chunk.length;
    });
    // Node buffers the body while paused, so the upstream sees it whole after the delay.
    request.pause();
    const send = (): void => {
      const upstream = httpRequest(
        {
          protocol: this.target.protocol,
          hostname: this.target.hostname,
          port: this.target.port,
          method,
          path: request.url,
          // The Host header stays as the client sent it: SigV4 signs it, and s3rver ignores it.
          headers: request.headers,
          agent: this.agent,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', (error) => {
        if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`latency proxy: upstream failed: ${error.message}`);
      });
      request.pipe(upstream);
      request.resume();
    };
    if (this.latencyMs > 0) setTimeout(send, this.latencyMs);
    else send();
  }
}
