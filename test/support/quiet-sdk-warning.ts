// Lambda runs Node 22+; this machine's Node 20 makes the AWS SDK print a support warning in every
// test file, which buries real output. The SDK's own switch turns it off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
