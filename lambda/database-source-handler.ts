import { loggerFor } from './clients';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { KmsKeyDirectory } from './adapters/kms-key-directory';
import { RdsDatabaseDirectory } from './adapters/rds-database-directory';
import { prepare, release, settle, type DatabaseSourceDeps, type SourceData } from './core/database-source/database-source';
import { DatabaseSourceError } from './core/database-source/messages';
import { RefusedError } from './core/database-source/ports';
import { readPhysicalId, readSourceProperties, type SourceProperties } from './core/database-source/properties';

/**
 * The database source custom resource, for aws-cdk-lib's custom-resources Provider: `onEvent` finds the
 * database (and starts its activity stream when asked), `isComplete` waits until the stream is started
 * and answers its data. Every failure is thrown (the Provider reports only thrown errors to
 * CloudFormation) with a message that says what to do; none is a raw SDK error.
 *
 * Properties: Database (identifier or ARN), StartActivityStream ('true'|'false'), Mode ('async'|'sync'),
 * KmsKeyArn (to start with), StopOnDelete ('true'|'false'). Data: see {@link SourceData}.
 */

/** The Provider framework's request, the fields this handler reads (CloudFormation's, plus the framework's). */
export interface DatabaseSourceRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: Readonly<Record<string, unknown>>;
  readonly OldResourceProperties?: Readonly<Record<string, unknown>>;
}

export interface DatabaseSourceHandlers {
  onEvent(request: DatabaseSourceRequest): Promise<{ PhysicalResourceId: string }>;
  isComplete(request: DatabaseSourceRequest): Promise<{ IsComplete: false } | { IsComplete: true; Data?: SourceData }>;
}

import type { Env } from './settings/kinds';

/** The handlers around RDS and KMS clients of the function's region, built once per container. */
export function createDatabaseSource(env: Env = process.env, overrides: Partial<DatabaseSourceDeps> = {}): DatabaseSourceHandlers {
  const region = env.AWS_REGION;
  if (!region) throw new DatabaseSourceError('AWS_REGION is not set: the region the stack deploys to, which the database must be in (Lambda sets it).');
  const logger = loggerFor(env);
  const deps: DatabaseSourceDeps = {
    databases: new RdsDatabaseDirectory(new RDSClient({ region })),
    keys: new KmsKeyDirectory(new KMSClient({ region })),
    region,
    log: (message, fields) => logger.info(message, { ...fields }),
    ...overrides,
  };
  return {
    onEvent: (request) =>
      explained(describeStep(request), async () => {
        if (request.RequestType === 'Delete') {
          await release(request.PhysicalResourceId, deleteProperties(request.ResourceProperties, deps), deps);
          return { PhysicalResourceId: request.PhysicalResourceId ?? 'none' };
        }
        const properties = readSourceProperties(request.ResourceProperties);
        const old = request.RequestType === 'Update' ? oldProperties(request.OldResourceProperties) : undefined;
        const id = await prepare({ properties, ...(old ? { old } : {}), ...(request.RequestType === 'Update' ? { physicalId: request.PhysicalResourceId } : {}) }, deps);
        return { PhysicalResourceId: id };
      }),
    isComplete: (request) =>
      explained(describeStep(request), async () => {
        if (request.RequestType === 'Delete') return { IsComplete: true };
        const data = await settle(request.PhysicalResourceId, deps);
        return data ? { IsComplete: true, Data: data } : { IsComplete: false };
      }),
  };
}

/** A Delete must go through even when the properties could no longer be read: then nothing is stopped. */
function deleteProperties(properties: DatabaseSourceRequest['ResourceProperties'], deps: DatabaseSourceDeps): SourceProperties | undefined {
  try {
    return readSourceProperties(properties);
  } catch (error) {
    deps.log('delete with unreadable properties: nothing stopped', { reason: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

function oldProperties(properties: DatabaseSourceRequest['OldResourceProperties']): SourceProperties | undefined {
  try {
    return readSourceProperties(properties);
  } catch {
    return undefined;
  }
}

function describeStep(request: DatabaseSourceRequest): string {
  const database = readPhysicalId(request.PhysicalResourceId).arn ?? String(request.ResourceProperties?.Database ?? 'the database');
  return `${request.RequestType} of the database source for ${database}`;
}

/** Runs a step, turning anything that is not already explained into a message naming the step and the cause. */
async function explained<T>(step: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DatabaseSourceError) throw error;
    if (error instanceof RefusedError) throw new DatabaseSourceError(`${step} failed: AWS refused it: ${error.code}: ${error.message}`, { cause: error });
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new DatabaseSourceError(`${step} failed: ${text}. CloudFormation can retry it: deploy again.`, { cause: error });
  }
}

let instance: DatabaseSourceHandlers | undefined;

/** The Provider's onEvent handler. */
export const onEvent: DatabaseSourceHandlers['onEvent'] = (request) => (instance ??= createDatabaseSource()).onEvent(request);

/** The Provider's isComplete handler. */
export const isComplete: DatabaseSourceHandlers['isComplete'] = (request) => (instance ??= createDatabaseSource()).isComplete(request);
