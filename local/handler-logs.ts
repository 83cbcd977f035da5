/**
 * The handler logs through Powertools Logger, which writes JSON lines to stdout (info) and stderr
 * (warn). Local commands that print their own report capture those lines instead of letting them
 * interleave, and read the two the handler promises: one `record failed` line per failed record
 * (record ID and reason, never content) and one `batch transformed` summary.
 */

export interface RecordFailure {
  readonly recordId: string;
  readonly reason: string;
}

/** The handler's `batch transformed` line: counts only. */
export interface BatchLog {
  readonly events?: number;
  readonly heartbeats?: number;
  readonly filtered?: number;
  readonly stored?: number;
  readonly objects?: number;
  readonly kmsCalls?: number;
  readonly s3Puts?: number;
}

export interface HandlerLogs {
  /** Every line written while the handler ran, in order. */
  readonly lines: readonly string[];
  readonly failures: readonly RecordFailure[];
  readonly batch?: BatchLog;
}

/**
 * Runs `fn` with process stdout and stderr captured (Node's Console looks `write` up on every call,
 * so the Logger's console is captured too), and restores them even when `fn` throws.
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

/** Picks the failure and summary lines out of captured output; other lines are kept as they are. */
export function readHandlerLogs(lines: readonly string[]): HandlerLogs {
  const failures: RecordFailure[] = [];
  let batch: BatchLog | undefined;
  for (const line of lines) {
    const entry = parseJsonLine(line);
    if (!entry) continue;
    if (entry.message === 'record failed' && typeof entry.recordId === 'string' && typeof entry.reason === 'string') {
      failures.push({ recordId: entry.recordId, reason: entry.reason });
    } else if (entry.message === 'batch transformed') {
      batch = entry as BatchLog;
    }
  }
  return { lines, failures, ...(batch ? { batch } : {}) };
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
