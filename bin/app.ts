#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ContextError, settingsFromContext } from '../lib/context';
import { DasFirehoseStack } from '../lib/das-firehose-stack';

const app = new App();
try {
  new DasFirehoseStack(app, 'DasFirehose', {
    description: 'das-firehose: Database Activity Streams to an S3 audit log through Kinesis Data Firehose',
    settings: settingsFromContext(app.node),
  });
} catch (error) {
  // A context mistake is the user's to fix: print the message and the example, not a stack trace.
  if (!(error instanceof ContextError)) throw error;
  console.error(error.message);
  process.exit(1);
}
