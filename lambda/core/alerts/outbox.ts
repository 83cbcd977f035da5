import { SEVERITIES, type Severity } from './alert-rules';
import type { Alert, AlertDetails } from './alerts';

/**
 * The alert outbox: a batch's alerts, written by the transformer as one object next to its events (in
 * the same wave, under a key named by the batch, so a retry overwrites it and a rollback removes it with
 * the events), and sent by the alert publisher. The audit log never waits on the alert bus: storing a
 * batch depends only on S3, and alerts leave the bucket at least once when their targets answer.
 *
 * Layout under the bucket:
 * - `alerts/pending/<resourceId>/<batchName>.json`: waiting to be published (this module's document);
 * - `alerts/unreadable/<resourceId>/<batchName>.json`: set aside because it does not read as a document;
 * - `alerts/refused/<resourceId>/<batchName>.json`: set aside because a target refused some alert for its
 *   own content (retrying cannot help); its other alerts were delivered.
 */

/** Where pending outbox objects live. The publisher's S3 notification filters on this prefix. */
export const OUTBOX_PREFIX = 'alerts/pending/';
/** Where objects that do not read as outbox documents are moved, never deleted. */
export const UNREADABLE_PREFIX = 'alerts/unreadable/';
/** Where objects with alerts a target refused for good are moved, never deleted. */
export const REFUSED_PREFIX = 'alerts/refused/';

/** What `format` says: an outbox document, not some other JSON. */
export const OUTBOX_FORMAT = 'das-firehose/alert-outbox';
/** The one version this code writes and reads. A reader meeting another refuses it (set aside, reported). */
export const OUTBOX_VERSION = 1;

/** One batch's alerts, as written to the outbox. */
export interface AlertOutboxDocument {
  readonly format: typeof OUTBOX_FORMAT;
  readonly version: typeof OUTBOX_VERSION;
  readonly resourceId: string;
  /** The batch's object name (`batchObjectName`): the events' objects end in `<batchName>.jsonl.gz`. */
  readonly batchName: string;
  /** When this attempt wrote it (ISO 8601). A retry rewrites it; nothing downstream relies on it being stable. */
  readonly writtenAt: string;
  readonly alerts: readonly Alert[];
  /**
   * Every event object of the batch. The transformer writes the outbox object alongside them, not after
   * them, so the publisher sends the alerts only once each of these is stored: no alert is sent for an
   * event that is not there yet. Absent in documents written before that change (written after their
   * objects were stored): nothing to wait for.
   */
  readonly objects?: readonly string[];
}

/** A resource id or batch name as it may appear in a key: no separators, no dot segments. */
const KEY_PART = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

/**
 * The outbox key of a batch: deterministic, so every attempt of the batch (and a re-drive of it) writes
 * the same object. `alerts/pending/<resourceId>/<batchName>.json`.
 *
 * @throws OutboxFormatError when either part could not be a key segment (a bug upstream, never data).
 */
export function alertOutboxKey(resourceId: string, batchName: string): string {
  if (!KEY_PART.test(resourceId) || !KEY_PART.test(batchName)) {
    throw new OutboxFormatError(`not an outbox key part: resourceId "${resourceId.slice(0, 64)}", batchName "${batchName.slice(0, 80)}"`);
  }
  return `${OUTBOX_PREFIX}${resourceId}/${batchName}.json`;
}

/**
 * The document of a batch's alerts, to be written at `alertOutboxKey(resourceId, batchName)`, naming the
 * batch's event objects (`objects`), which the publisher waits for.
 */
export function outboxDocument(resourceId: string, batchName: string, alerts: readonly Alert[], writtenAt: Date, objects: readonly string[]): AlertOutboxDocument {
  return { format: OUTBOX_FORMAT, version: OUTBOX_VERSION, resourceId, batchName, writtenAt: writtenAt.toISOString(), alerts, objects };
}

/** The object's body: UTF-8 JSON (`application/json`). */
export function serializeOutbox(document: AlertOutboxDocument): string {
  return JSON.stringify(document);
}

/** Where an object is moved when set aside: the same path under `unreadable/` or `refused/`. */
export function setAsideKey(pendingKey: string, prefix: typeof UNREADABLE_PREFIX | typeof REFUSED_PREFIX): string {
  return `${prefix}${pendingKey.startsWith(OUTBOX_PREFIX) ? pendingKey.slice(OUTBOX_PREFIX.length) : pendingKey}`;
}

/** A pending object does not read as an outbox document. The message names the key and the fault, never content. */
export class OutboxFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxFormatError';
  }
}

/** What reading a pending object gave: its document, or why it is not one. */
export type OutboxReading = { readonly document: AlertOutboxDocument } | { readonly unreadable: string };

/**
 * Reads a pending object strictly: the format and version, the batch it names matching its key, and
 * every alert complete and of the right types. Never throws: a fault is answered as `unreadable` (the
 * publisher sets the object aside and reports it; nothing is lost).
 */
export function readOutbox(key: string, text: string): OutboxReading {
  try {
    return { document: parseDocument(key, text) };
  } catch (error) {
    if (error instanceof OutboxFormatError) return { unreadable: error.message };
    throw error;
  }
}

function parseDocument(key: string, text: string): AlertOutboxDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OutboxFormatError(`${key} is not JSON`);
  }
  const doc = object(raw, 'the document');
  if (doc.format !== OUTBOX_FORMAT) throw new OutboxFormatError(`${key}: format is not "${OUTBOX_FORMAT}"`);
  if (doc.version !== OUTBOX_VERSION) throw new OutboxFormatError(`${key}: version ${JSON.stringify(doc.version)?.slice(0, 20)} is not one this publisher reads (${OUTBOX_VERSION})`);
  const resourceId = string(doc.resourceId, 'resourceId');
  const batchName = string(doc.batchName, 'batchName');
  const writtenAt = string(doc.writtenAt, 'writtenAt');
  if (Number.isNaN(Date.parse(writtenAt))) throw new OutboxFormatError(`${key}: writtenAt is not a time`);
  let expected: string | undefined;
  try {
    expected = alertOutboxKey(resourceId, batchName);
  } catch {
    expected = undefined;
  }
  if (expected !== key) throw new OutboxFormatError(`${key}: names another batch (resourceId and batchName do not give its key)`);
  if (!Array.isArray(doc.alerts)) throw new OutboxFormatError(`${key}: alerts is not a list`);
  const alerts = doc.alerts.map((alert, index) => {
    try {
      return parseAlert(alert, resourceId);
    } catch (error) {
      throw new OutboxFormatError(`${key}: alerts[${index}]: ${(error as Error).message}`);
    }
  });
  let objects: string[] | undefined;
  if (doc.objects !== undefined) {
    if (!Array.isArray(doc.objects)) throw new OutboxFormatError(`${key}: objects is not a list`);
    objects = doc.objects.map((item, index) => {
      // The batch's own event objects only: a key elsewhere would make the publisher probe the bucket at will.
      if (typeof item !== 'string' || !item.startsWith('events/') || !item.endsWith(`/${batchName}.jsonl.gz`)) {
        throw new OutboxFormatError(`${key}: objects[${index}] is not an event object of the batch`);
      }
      return item;
    });
  }
  return { format: OUTBOX_FORMAT, version: OUTBOX_VERSION, resourceId, batchName, writtenAt, alerts, ...(objects ? { objects } : {}) };
}

const DETAIL_NAMES = ['serverType', 'command', 'class', 'dbUserName', 'remoteHost', 'databaseName', 'objectType', 'objectName', 'logTime'] as const;

function parseAlert(raw: unknown, resourceId: string): Alert {
  const alert = object(raw, 'the alert');
  const id = string(alert.id, 'id');
  if (!/^[0-9a-f]{32}$/.test(id)) throw new OutboxFormatError('id is not 32 hex digits');
  const rule = string(alert.rule, 'rule');
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(rule)) throw new OutboxFormatError('rule is not a rule id');
  const severity = string(alert.severity, 'severity');
  if (!(SEVERITIES as readonly string[]).includes(severity)) throw new OutboxFormatError('severity is not LOW, MEDIUM, HIGH or CRITICAL');
  if (alert.resourceId !== resourceId) throw new OutboxFormatError('resourceId differs from the document\'s');
  const details = object(alert.details, 'details');
  const read: Record<string, string | null> = {};
  for (const name of DETAIL_NAMES) {
    const value = details[name];
    if (value !== null && typeof value !== 'string') throw new OutboxFormatError(`details.${name} is neither text nor null`);
    read[name] = value;
  }
  if (details.commandText !== undefined && typeof details.commandText !== 'string') throw new OutboxFormatError('details.commandText is not text');
  const moreMatches = alert.moreMatches;
  if (moreMatches !== undefined && (typeof moreMatches !== 'number' || !Number.isSafeInteger(moreMatches) || moreMatches < 1)) {
    throw new OutboxFormatError('moreMatches is not a positive integer');
  }
  return {
    id,
    rule,
    severity: severity as Severity,
    description: string(alert.description, 'description'),
    resourceId,
    key: string(alert.key, 'key'),
    details: { ...(read as unknown as AlertDetails), ...(typeof details.commandText === 'string' ? { commandText: details.commandText } : {}) },
    ...(moreMatches !== undefined ? { moreMatches } : {}),
  };
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OutboxFormatError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function string(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new OutboxFormatError(`${what} is missing or not text`);
  return value;
}
