import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { settingsFromContext } from '../../lib/context';
import { DasFirehoseStack } from '../../lib/das-firehose-stack';
import { cdkJsonContext } from '../../testkit/bundled-asset';

export const REPO_ROOT = path.join(__dirname, '..', '..');

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL';
export const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const INSTANCE_STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/aws-rds-das-db-MNOPQRSTUVWX';
export const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/abcd1234-ab12-cd34-ef56-abcdef123456';

export { cdkJsonContext };

/** A CloudFormation value as text: `${Ref}` for references, `${Logical.Attr}` for attributes, joins joined. */
export function renderValue(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.Ref) return `\${${value.Ref}}`;
  if (value?.['Fn::GetAtt']) return `\${${value['Fn::GetAtt'].join('.')}}`;
  if (value?.['Fn::Join']) return (value['Fn::Join'][1] as any[]).map(renderValue).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

export interface SynthOptions {
  /** Run esbuild on the transformer. Off by default: most tests read the template only. */
  readonly bundle?: boolean;
  /** Directory for the cloud assembly. @default - a temporary directory */
  readonly outdir?: string;
}

export interface SynthResult {
  readonly app: App;
  readonly stack: DasFirehoseStack;
  readonly template: Template;
}

/**
 * Builds the app the way bin/app.ts does, from cdk.json's context plus `context` (what `-c key=value`
 * gives the CLI), and returns the stack's template.
 */
export function synthApp(context: Record<string, string>, options: SynthOptions = {}): SynthResult {
  const app = new App({
    outdir: options.outdir,
    context: {
      ...cdkJsonContext(),
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
  const stack = new DasFirehoseStack(app, 'DasFirehose', { settings: settingsFromContext(app.node) });
  return { app, stack, template: Template.fromStack(stack) };
}
