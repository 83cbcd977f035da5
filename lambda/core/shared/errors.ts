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

/** The Encryption SDK message, its gzip body or the JSON inside could not be read. */
export class PayloadError extends RecordError {}

/** The decrypted payload expands past the bytes it may take (one record's cap, or what the batch has left). */
export class PayloadTooLargeError extends PayloadError {
  constructor(readonly limit: number) {
    super(`decrypted activity exceeds ${limit} bytes when gunzipped`);
  }
}

/**
 * The outside world failed the batch (S3 or KMS past their retries, the deadline, the response cap):
 * the invocation fails and Firehose retries it. The message says what happened and what was left.
 */
export class BatchFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BatchFailedError';
  }
}

/**
 * The invocation's event is not a Firehose data-transformation event (no records array): a caller's
 * mistake, not one record's, so the invocation fails.
 */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/** A setting is missing or malformed. Raised at cold start or when an event cannot be attributed to a database. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
