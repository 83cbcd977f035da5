// Lambda runs Node 22+; this machine's Node 20 makes the AWS SDK print a support warning in every
// test file, which buries real output. The SDK's own switch turns it off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Tests are quiet by default: the transformer's log lines and its metrics (Powertools' own switches).
// A test that reads them sets POWERTOOLS_LOG_LEVEL=INFO and POWERTOOLS_METRICS_DISABLED=false itself
// (see test/support/logs.ts, LOGGED).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
