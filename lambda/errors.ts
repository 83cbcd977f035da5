/**
 * Every reason a single Firehose record fails. The batch loop answers such a record
 * `ProcessingFailed` with its original data; any other error propagates so that Firehose
 * retries the whole batch.
 *
 * Messages name what was wrong, never the record's content: they end up in logs.
 */
export class RecordError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The Firehose data is not a DAS envelope: not base64, not JSON, wrong type, a missing field. */
export class EnvelopeError extends RecordError {}

/** KMS refused to decrypt the record's data key (wrong context, tampered blob, key disabled…). */
export class DataKeyError extends RecordError {}

/** The Encryption SDK message, its gzip body or the JSON inside could not be read. */
export class PayloadError extends RecordError {}

/** A setting is missing or malformed. Raised at cold start or when an event cannot be attributed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
