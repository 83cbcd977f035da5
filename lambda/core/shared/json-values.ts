/** What the strict JSON reader refuses with, and the values it reads (see strict-json.ts). */

/** Deepest nesting accepted. A DAS payload is 5 levels deep (record, list, event, native fields, value). */
export const MAX_JSON_DEPTH = 64;

/** Which rule a refused text broke: JSON's own grammar, or one of the two rules added to it. */
export type RefusalKind = 'syntax' | 'repeated-name' | 'too-deep';

/** Why a text was refused. The message names a position and a rule, never content. */
export class JsonRefusedError extends Error {
  constructor(
    readonly rule: string,
    readonly at: number,
    readonly kind: RefusalKind = 'syntax',
  ) {
    super(`${rule} (at character ${at})`);
    this.name = 'JsonRefusedError';
  }

  /** A sentence about `what` (e.g. "decrypted activity") that says which rule it broke and where. */
  describe(what: string): string {
    switch (this.kind) {
      case 'repeated-name':
        return `${what} repeats a name within one object (at character ${this.at}), so it could be read two ways`;
      case 'too-deep':
        return `${what} nests deeper than ${MAX_JSON_DEPTH} levels (at character ${this.at})`;
      default:
        return `${what} is not JSON: ${this.message}`;
    }
  }
}

/** A field value read off the text: strings decoded, numbers and literals as JavaScript values, containers as their JSON text. */
export type FieldValue = string | number | boolean | null | JsonText;

/** An object or array kept as its exact JSON text (already validated, so `JSON.parse` of it is safe). */
export class JsonText {
  constructor(readonly json: string) {}
}
