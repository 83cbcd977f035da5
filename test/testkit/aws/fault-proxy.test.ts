import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultProxy } from '../../../testkit/aws/fault-proxy';

/** A loopback upstream that echoes method, path and body length. */
async function echoServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      res.writeHead(201, { 'x-echo': 'yes', 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path: req.url, bytes }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function send(url: string, method: string, body: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/bucket/some/key?x=1`, { method }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('FaultProxy', () => {
  let upstream: { server: Server; url: string };
  let proxy: FaultProxy;

  beforeEach(async () => {
    upstream = await echoServer();
    proxy = new FaultProxy({ target: upstream.url, latencyMs: 40 });
    await proxy.start();
  });

  afterEach(async () => {
    await proxy.stop();
    await new Promise<void>((resolve) => upstream.server.close(() => resolve()));
  });

  it('forwards method, path, body, status and headers after the configured delay', async () => {
    const started = Date.now();
    const answer = await send(proxy.endpoint, 'PUT', 'x'.repeat(1000));
    expect(Date.now() - started).toBeGreaterThanOrEqual(38);
    expect(answer.status).toBe(201);
    expect(answer.headers['x-echo']).toBe('yes');
    expect(JSON.parse(answer.body)).toEqual({ method: 'PUT', path: '/bucket/some/key?x=1', bytes: 1000 });
  });

  it('delays concurrent requests side by side, not one after another', async () => {
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, () => send(proxy.endpoint, 'PUT', 'body')));
    expect(Date.now() - started).toBeLessThan(8 * 40);
  });

  it('counts requests and body bytes by method until reset', async () => {
    await send(proxy.endpoint, 'PUT', 'abc');
    await send(proxy.endpoint, 'PUT', 'de');
    await send(proxy.endpoint, 'GET', '');
    expect(proxy.traffic()).toEqual({ requests: { PUT: 2, GET: 1 }, bodyBytes: { PUT: 5 } });
    proxy.resetTraffic();
    expect(proxy.traffic()).toEqual({ requests: {}, bodyBytes: {} });
  });
});
