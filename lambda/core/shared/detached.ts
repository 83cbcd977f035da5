/**
 * A copy of `text` that shares no memory with the string it came from. V8 may keep a substring as a view
 * of its parent (a slice), and the view keeps the whole parent alive: a value kept past its record (in a
 * cache across invocations, in an alert) would hold the record's decompressed text, outside the batch's
 * memory budget. Copied through UTF-16 bytes, so every string, lone surrogates included, comes back equal.
 */
export function detached(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}
