/**
 * Runs `fn` with process stdout and stderr captured, for local commands that print their own report
 * instead of letting the transformer's JSON log lines (Powertools writes INFO to stdout, WARN and ERROR
 * to stderr) interleave with it. Node's Console looks `write` up on every call, so the Logger is captured
 * too; both streams are restored even when `fn` throws.
 */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const chunks: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const capture = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((item): item is () => void => typeof item === 'function');
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    const value = await fn();
    return { value, lines: splitLines(chunks) };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}

function splitLines(chunks: readonly string[]): string[] {
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim().length > 0);
}
