/** Captures what the handler prints (Powertools writes INFO to stdout and WARN and ERROR to stderr). */
export async function capturingLogs<T>(fn: () => Promise<T>): Promise<{ value: T; logs: string }> {
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
  }
}

/** Runs `fn` with the handler's log lines kept out of the test output. */
export async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  return (await capturingLogs(fn)).value;
}
