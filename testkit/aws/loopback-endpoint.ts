import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP endpoint on 127.0.0.1 that stands in for an AWS service (KMS, Lambda, EventBridge): the
 * listening and closing they share. Each answers requests in `handle`, as the service would.
 */
export abstract class LoopbackEndpoint {
  private server?: Server;

  constructor(private readonly serviceName: string) {}

  /** Starts listening on 127.0.0.1 (a free port unless given) and resolves to the endpoint URL. */
  async start(port = 0): Promise<string> {
    const server = createServer((request, response) => void this.handle(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return this.endpoint;
  }

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error(`${this.serviceName} is not started`);
    return `http://127.0.0.1:${address.port}`;
  }

  /** Stops listening and drops open connections (the SDK keeps them alive). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  protected abstract handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
}
