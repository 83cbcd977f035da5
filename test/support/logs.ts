/**
 * Captures what the handler prints (Powertools writes INFO to stdout and WARN and ERROR to stderr), with
 * its logs and metrics on for the call: tests are quiet otherwise (test/support/quiet.ts). A transformer
 * built outside the call keeps the level it was built with.
 */
export async function capturingLogs<T>(fn: () => Promise<T>): Promise<{ value: T; logs: string }> {
  const saved = Object.fromEntries(Object.keys(LOGGED).map((name) => [name, process.env[name]]));
  Object.assign(process.env, LOGGED);
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    }) as typeof stream.write;
  }
  try {
    return { value: await fn(), logs: chunks.join('') };
  } finally {
    streams.forEach((stream, index) => (stream.write = writes[index]!));
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Runs `fn` with the handler's log lines kept out of the test output. */
export async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  return (await capturingLogs(fn)).value;
}

/** The settings under which the transformer logs and emits metrics, for tests that read them (tests are quiet otherwise). */
export const LOGGED = { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' } as const;
