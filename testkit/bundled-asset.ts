import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { settingsFromContext } from '../lib/context';
import { DasFirehoseStack } from '../lib/das-firehose-stack';

export interface BundledAsset {
  /** The folder the CLI would zip and upload as the function's code. */
  readonly directory: string;
  /** The function's environment as the template gives it (`Ref`s and all). */
  readonly environment: Record<string, unknown>;
  /** Removes the cloud assembly. */
  dispose(): void;
}

/**
 * Synthesizes the app with bundling on, as `cdk synth` does, and finds a function's file asset: the
 * manifest entry behind its `Code.S3Key`. By default the transformer's (`index.handler`); another entry
 * point (`index.replayHandler`) finds the bundle the other functions share. Tests then `require` its
 * `index.js`, so they run the code that ships, not the TypeScript it came from.
 */
export function bundledAsset(context: Record<string, string>, handler = 'index.handler'): BundledAsset {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'das-firehose-assembly-'));
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...context } });
  const stack = new DasFirehoseStack(app, 'DasFirehose', { settings: settingsFromContext(app.node) });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const template = artifact.template as {
    Resources: Record<string, { Type: string; Properties: { Handler: string; Code: { S3Key: string }; Environment: { Variables: Record<string, string> } } }>;
  };
  const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler === handler);
  if (!fn) throw new Error(`no function runs ${handler}`);
  const manifest = artifact.dependencies.find((dependency) => dependency instanceof cxapi.AssetManifestArtifact);
  const files = JSON.parse(fs.readFileSync((manifest as cxapi.AssetManifestArtifact).file, 'utf8')).files as Record<
    string,
    { source: { path: string; packaging?: string } }
  >;
  const [hash] = String(fn.Properties.Code.S3Key).split('.');
  const entry = files[hash as string]!;
  if (entry.source.packaging !== 'zip') throw new Error(`the function's asset is packaged as ${entry.source.packaging}, not zip`);
  return {
    directory: path.join(assembly.directory, entry.source.path),
    environment: fn.Properties.Environment.Variables,
    dispose: () => fs.rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The feature flags and other context cdk.json gives the CLI, so the app is synthesized as `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** The literal (string) variables of a template environment: what can be set without deploying. */
export function literalEnvironment(environment: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
}
