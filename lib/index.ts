/**
 * das-firehose's public entry point for CDK apps of your own (package.json `exports`): the construct, its
 * props and the types they use, the app's stack, and the defaults. Import from the package, not from
 * files inside it: `import { DasFirehosePipeline } from 'das-firehose';`.
 */
export * from './das-firehose-pipeline';
export { DasFirehoseStack, type DasFirehoseStackProps } from './das-firehose-stack';
export { ContextError, settingsFromContext, type DasFirehoseSettings } from './context';
export * as defaults from './defaults';
