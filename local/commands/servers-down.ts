/**
 * Recognises the one failure a local user meets most: the servers of `npm run local` stopped (or were
 * never started) while the shell still holds their `AWS_ENDPOINT_URL_*` lines, so every SDK call is
 * refused. The SDK's error says only `connect ECONNREFUSED 127.0.0.1:<port>`; this says what to do.
 */

/** Where a refused connection went: the address and port the error names. */
export interface RefusedConnection {
  readonly address: string;
  readonly port?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

/**
 * The refused connection somewhere in `error`: the SDK v3 throws Node's own socket error
 * (`code: 'ECONNREFUSED'`, `address`, `port`, plus its `$metadata`); an `AggregateError` when a name
 * resolved to several addresses (`localhost`: ::1 and 127.0.0.1) holds one per address; our own
 * wrappers keep it as `cause`, and a message-only wrapper still names it (`ECONNREFUSED 127.0.0.1:4569`).
 * Undefined when the error is anything else.
 */
export function refusedConnection(error: unknown, depth = 0): RefusedConnection | undefined {
  if (depth > 8 || typeof error !== 'object' || error === null) return undefined;
  const fields = error as { code?: unknown; address?: unknown; port?: unknown; cause?: unknown; errors?: unknown; message?: unknown };
  if (fields.code === 'ECONNREFUSED' && typeof fields.address === 'string') {
    return { address: fields.address, ...(typeof fields.port === 'number' ? { port: fields.port } : {}) };
  }
  const nested = [fields.cause, ...(Array.isArray(fields.errors) ? fields.errors : [])];
  for (const inner of nested) {
    const found = refusedConnection(inner, depth + 1);
    if (found) return found;
  }
  const named = typeof fields.message === 'string' ? /ECONNREFUSED (\[[^\]]+\]|[^\s:]+):(\d+)/.exec(fields.message) : null;
  if (named) return { address: named[1] as string, port: Number(named[2]) };
  return undefined;
}

/** Whether a host name or address is this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The `AWS_ENDPOINT_URL*` variables that point at this machine, with their URLs. */
export function loopbackEndpoints(env: Env): Array<{ readonly name: string; readonly url: URL }> {
  const found: Array<{ name: string; url: URL }> = [];
  for (const [name, value] of Object.entries(env)) {
    if (!/^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(name) || !value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue;
    }
    if (isLoopback(url.hostname)) found.push({ name, url });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The one line to print when `error` is a refused connection to this machine, or undefined. It names
 * the endpoint and the variable that points there (when one does), and how to bring the servers back.
 */
export function serversDownMessage(error: unknown, env: Env = process.env): string | undefined {
  const refused = refusedConnection(error);
  if (!refused || !isLoopback(refused.address.replace(/^\[|\]$/g, ''))) return undefined;
  const matching = loopbackEndpoints(env).filter((endpoint) => refused.port === undefined || Number(endpoint.url.port) === refused.port);
  const host = refused.address.includes(':') && !refused.address.startsWith('[') ? `[${refused.address}]` : refused.address;
  const where = `${host}${refused.port !== undefined ? `:${refused.port}` : ''}`;
  const named = matching.length > 0 ? ` (${matching.map((endpoint) => endpoint.name).join(', ')})` : '';
  return (
    `nothing answers at ${where}${named}: the local servers seem to be down. ` +
    'Start them with npm run local in another shell, then paste the export lines it prints into this one'
  );
}
