import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalKms } from './kms-endpoint';
import { LoopbackEndpoint } from './loopback-endpoint';
import { LocalDatabase, unsupportedReason, type LocalDatabaseSpec } from './rds-databases';
import { matchesFilters, readFilters, unknownFilter, type Row } from './rds-filters';
import { clusterXml, instanceXml, xml, type Xml } from './rds-xml';

/**
 * An RDS stand-in on loopback that speaks the RDS Query protocol (form-encoded `Action=…` POSTs,
 * XML answers), so the real `@aws-sdk/client-rds` talks to it unchanged via `AWS_ENDPOINT_URL_RDS`,
 * for the calls this project makes: DescribeDBClusters, DescribeDBInstances, StartActivityStream,
 * StopActivityStream.
 *
 * It sees only the databases of the region the request is signed for (the SigV4 credential scope),
 * as a regional endpoint does, and refuses what RDS refuses for those calls, with RDS's error codes:
 * unsigned requests, a missing required parameter (the SDK does not check them), an unknown
 * identifier or ARN (404), an instance ARN given for a cluster and the reverse, a start or stop in
 * the wrong state, an engine, version or class without activity streams, `sync` mode where only
 * `async` is allowed, and a KMS key it cannot use (unknown, disabled, AWS managed, another region).
 * Wordings RDS does not document are marked so where they are made.
 */

export interface LocalRdsOptions {
  readonly databases?: readonly LocalDatabaseSpec[];
  /** Where StartActivityStream's key is looked up. @default a KMS holding only the local development key */
  readonly kms?: Pick<LocalKms, 'lookup'>;
  /** A start or stop completes on this many describes of the database… @default 2 */
  readonly settlePolls?: number;
  /** …or after this many milliseconds, whichever comes first. @default never by time */
  readonly settleMs?: number;
}

/** An error RDS answers with: its wire code, message and HTTP status (never 5xx for a refusal: the SDK would retry it). */
export interface RdsFault {
  readonly code: string;
  readonly message?: string;
  readonly status?: number;
}

class RdsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'RdsError';
  }
}

const IDENTIFIER = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}$/;
const RDS_ARN = /^arn:(aws[a-z-]*):rds:([a-z0-9-]+):(\d{12}):(cluster|db):(.+)$/;

export class LocalRds extends LoopbackEndpoint {
  private readonly held: LocalDatabase[] = [];
  private readonly kms: Pick<LocalKms, 'lookup'>;
  private readonly counts = new Map<string, number>();
  private faults: RdsFault[] = [];
  settlePolls: number;
  settleMs: number;

  constructor(options: LocalRdsOptions = {}) {
    super('LocalRds');
    this.kms = options.kms ?? new LocalKms();
    this.settlePolls = options.settlePolls ?? 2;
    this.settleMs = options.settleMs ?? Number.POSITIVE_INFINITY;
    for (const spec of options.databases ?? []) this.add(spec);
  }

  /** Adds a database (and, for a cluster, its writer instance) and returns it. */
  add(spec: LocalDatabaseSpec): LocalDatabase {
    const database = new LocalDatabase(spec);
    this.held.push(database);
    return database;
  }

  /** A database held here, by identifier, for a test to look at or change. */
  database(identifier: string): LocalDatabase {
    const found = this.held.find((item) => item.identifier === identifier);
    if (!found) throw new Error(`LocalRds holds no database ${identifier}`);
    return found;
  }

  /** Requests of this action answered since start (refused ones included). */
  calls(action: string): number {
    return this.counts.get(action) ?? 0;
  }

  /** Answers the next requests with these errors, one each (throttling, access denied). */
  failNext(...faults: RdsFault[]): void {
    this.faults.push(...faults);
  }

  protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const requestId = randomUUID();
    let status = 200;
    let body: string;
    try {
      const region = signedRegion(String(request.headers.authorization ?? ''));
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = params.get('Action') ?? '';
      this.counts.set(action, this.calls(action) + 1);
      const fault = this.faults.shift();
      if (fault) throw new RdsError(fault.code, fault.message ?? `Injected ${fault.code}`, fault.status ?? 400);
      const result = this.answer(action, params, region);
      body = xml(`${action}Response`, { [`${action}Result`]: result, ResponseMetadata: { RequestId: requestId } }, true);
    } catch (error) {
      const rdsError = error instanceof RdsError ? error : new RdsError('InternalFailure', 'Local RDS endpoint failed', 500);
      status = rdsError.status;
      const type = status >= 500 ? 'Receiver' : 'Sender';
      body = xml('ErrorResponse', { Error: { Type: type, Code: rdsError.code, Message: rdsError.message }, RequestId: requestId }, true);
    }
    // The SDK reads $metadata.requestId from the header only.
    response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(body);
  }

  private answer(action: string, params: URLSearchParams, region: string): Xml {
    switch (action) {
      case 'DescribeDBClusters':
        return this.describe(params, region, 'cluster');
      case 'DescribeDBInstances':
        return this.describe(params, region, 'instance');
      case 'StartActivityStream':
        return this.startStream(params, region);
      case 'StopActivityStream':
        return this.stopStream(params, region);
      default:
        throw new RdsError('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`);
    }
  }

  private describe(params: URLSearchParams, region: string, kind: 'cluster' | 'instance'): Xml {
    const member = kind === 'cluster' ? 'DBClusterIdentifier' : 'DBInstanceIdentifier';
    const maxRecords = Number(params.get('MaxRecords') ?? '100');
    if (!Number.isInteger(maxRecords) || maxRecords < 20 || maxRecords > 100) {
      throw new RdsError('InvalidParameterValue', `Invalid value ${params.get('MaxRecords')} for MaxRecords. Must be between 20 and 100`);
    }
    const now = Date.now();
    let rows = kind === 'cluster' ? this.clusterRows(region) : this.instanceRows(region);
    const wanted = params.get(member);
    if (wanted !== null) {
      checkIdentifier(wanted, kind);
      const row = rows.find((item) => this.names(item, wanted, region));
      if (!row) throw notFound(kind, wanted);
      rows = [row];
    }
    const filters = readFilters(params);
    const unknown = unknownFilter(filters, kind);
    if (unknown !== undefined) throw new RdsError('InvalidParameterValue', `Unrecognized filter name: ${unknown}`); // [unconfirmed wording]
    rows = rows.filter((row) => matchesFilters(row, filters, kind));
    const start = params.get('Marker') ? Number(params.get('Marker')) : 0;
    if (!Number.isInteger(start) || start < 0) throw new RdsError('InvalidParameterValue', 'The marker is not valid.');
    const page = rows.slice(start, start + maxRecords);
    // A cluster's writer shows its cluster's status, but only a describe of the database itself counts as a poll of its stream.
    for (const row of page) row.database.observe(now, this.settle, !row.writer);
    const items = page.map((row) => (kind === 'cluster' ? clusterXml(row.database) : instanceXml(row.database, row.writer)));
    const next = start + maxRecords < rows.length ? { Marker: String(start + maxRecords) } : {};
    return kind === 'cluster' ? { DBClusters: { DBCluster: items }, ...next } : { DBInstances: { DBInstance: items }, ...next };
  }

  private get settle(): { polls: number; ms: number } {
    return { polls: this.settlePolls, ms: this.settleMs };
  }

  private clusterRows(region: string): Row[] {
    return this.held.filter((item) => item.region === region && item.kind === 'cluster').map((database) => ({ database, writer: false }));
  }

  /** Instances, and each Aurora cluster's writer, which DescribeDBInstances lists with its cluster's identifier. */
  private instanceRows(region: string): Row[] {
    return this.held
      .filter((item) => item.region === region && (item.kind === 'instance' || item.engine.startsWith('aurora')))
      .map((database) => ({ database, writer: database.kind === 'cluster' }));
  }

  /** Whether an identifier, ARN or (instances) DbiResourceId names the row; RDS matches identifiers case-insensitively. */
  private names(row: Row, wanted: string, region: string): boolean {
    const identifier = row.writer ? row.database.writerIdentifier : row.database.identifier;
    const arn = RDS_ARN.exec(wanted);
    if (arn) {
      // Another region's ARN names nothing here: this endpoint, like RDS's, serves one region [unconfirmed wording].
      return arn[2] === region && arn[3] === row.database.account && arn[5]?.toLowerCase() === identifier.toLowerCase();
    }
    if (/^db-[A-Z0-9]+$/.test(wanted) && wanted === (row.writer ? row.database.writerResourceId : row.database.resourceId)) return true;
    return identifier.toLowerCase() === wanted.toLowerCase();
  }

  private startStream(params: URLSearchParams, region: string): Xml {
    const resourceArn = required(params, 'ResourceArn');
    const mode = required(params, 'Mode');
    const kmsKeyId = required(params, 'KmsKeyId');
    if (mode !== 'sync' && mode !== 'async') {
      throw new RdsError('InvalidParameterValue', `Invalid value ${mode} for parameter Mode. Valid values: sync, async`); // [unconfirmed wording]
    }
    const database = this.target(resourceArn, region);
    const reason = unsupportedReason(database);
    // The console says "You can't start a database activity stream in this configuration"; the API's code is [unconfirmed].
    if (reason) throw new RdsError('InvalidParameterCombination', `You can't start a database activity stream in this configuration: ${reason}.`);
    expectStream(database, 'stopped');
    if (mode === 'sync' && database.engine !== 'aurora-postgresql') {
      throw new RdsError('InvalidParameterCombination', `Synchronous mode is not supported for ${database.engine}: activity streams of this engine are asynchronous.`); // [unconfirmed wording]
    }
    const key = this.kms.lookup(kmsKeyId);
    const keyRegion = key?.arn.split(':')[3];
    if (!key || !key.enabled || !key.customerManaged || keyRegion !== region) {
      throw new RdsError('KMSKeyNotAccessibleFault', `The specified KMS key [${kmsKeyId}] does not exist, is not enabled, is not a customer managed key of this region, or you do not have permissions to access it.`); // [unconfirmed wording]
    }
    database.begin('started', Date.now());
    database.streamMode = mode;
    database.streamKmsKeyId = kmsKeyId;
    return {
      KmsKeyId: kmsKeyId,
      KinesisStreamName: database.streamName,
      Status: database.streamStatus,
      Mode: mode,
      ApplyImmediately: params.get('ApplyImmediately') === 'true',
      EngineNativeAuditFieldsIncluded: params.get('EngineNativeAuditFieldsIncluded') === 'true',
    };
  }

  private stopStream(params: URLSearchParams, region: string): Xml {
    const database = this.target(required(params, 'ResourceArn'), region);
    expectStream(database, 'started');
    const answer = { KmsKeyId: database.streamKmsKeyId, KinesisStreamName: database.streamName };
    database.begin('stopped', Date.now());
    return { ...answer, Status: database.streamStatus };
  }

  /** The database a Start or Stop names by ARN, available for the change. */
  private target(resourceArn: string, region: string): LocalDatabase {
    const arn = RDS_ARN.exec(resourceArn);
    if (!arn) throw new RdsError('InvalidParameterValue', `The parameter ResourceArn is not a valid ARN: ${resourceArn}`); // [unconfirmed wording]
    const kind = arn[4] === 'cluster' ? 'cluster' : 'instance';
    const rows = kind === 'cluster' ? this.clusterRows(region) : this.instanceRows(region);
    const row = rows.find((item) => this.names(item, resourceArn, region));
    if (!row) throw notFound(kind, resourceArn);
    if (row.writer) {
      throw new RdsError('InvalidParameterCombination', `${row.database.writerIdentifier} is an instance of Aurora cluster ${row.database.identifier}: activity streams of Aurora are started on the cluster.`); // [unconfirmed wording]
    }
    const database = row.database;
    database.observe(Date.now(), this.settle, false);
    if (database.status !== 'available') {
      throw kind === 'cluster'
        ? new RdsError('InvalidDBClusterStateFault', `DB cluster ${database.identifier} is not in an available state (it is ${database.status}).`)
        : new RdsError('InvalidDBInstanceState', `DB instance ${database.identifier} is not in an available state (it is ${database.status}).`);
    }
    return database;
  }
}

/**
 * Refuses an identifier RDS would not take for this parameter: an ARN of the other kind (the real
 * wording, terraform-provider-aws issue 36468), or a name no database can have.
 */
function checkIdentifier(wanted: string, kind: 'cluster' | 'instance'): void {
  const member = kind === 'cluster' ? 'DBClusterIdentifier' : 'DBInstanceIdentifier';
  const arn = RDS_ARN.exec(wanted);
  if (arn) {
    const expected = kind === 'cluster' ? 'cluster' : 'db';
    if (arn[4] !== expected) {
      throw new RdsError('InvalidParameterValue', `The provided ARN (${wanted}) is invalid for this parameter (${member}). Expected type = ${expected}, actual type = ${arn[4]}`);
    }
    return;
  }
  // An instance may also be named by its DbiResourceId (db-…), as Terraform does.
  if (kind === 'instance' && /^db-[A-Z0-9]+$/.test(wanted)) return;
  if (!IDENTIFIER.test(wanted) || wanted.endsWith('-')) {
    throw new RdsError(
      'InvalidParameterValue',
      `The parameter ${member} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
}

function notFound(kind: 'cluster' | 'instance', wanted: string): RdsError {
  return kind === 'cluster' ? new RdsError('DBClusterNotFoundFault', `DBCluster ${wanted} not found.`, 404) : new RdsError('DBInstanceNotFound', `DBInstance ${wanted} not found.`, 404);
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw new RdsError('MissingParameter', `The request must contain the parameter ${name}`);
  return value;
}

/** Start and Stop need the stream in one state; the wording of RDS's refusal is upper case for instances (terraform-provider-aws PR 36775). */
function expectStream(database: LocalDatabase, expected: 'stopped' | 'started'): void {
  if (database.streamStatus === expected) return;
  const [want, is] = database.kind === 'cluster' ? [expected, database.streamStatus] : [expected.toUpperCase(), database.streamStatus.toUpperCase()];
  throw new RdsError('InvalidParameterCombination', `Activity Streams feature expected to be ${want}, but is ${is}`);
}

/** The region of the SigV4 credential scope (`Credential=<key>/<date>/<region>/rds/aws4_request`). */
function signedRegion(authorization: string): string {
  const scope = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
  if (!scope) throw new RdsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  if (scope[2] !== 'rds') throw new RdsError('InvalidClientTokenId', `Credential should be scoped to correct service: 'rds'.`, 403);
  return scope[1] as string;
}
