/**
 * Settings from the developer's shell that would send the handler or the SDK somewhere other than
 * the local servers, or change what the samples show: a profile (the SDK skips the environment's
 * keys when AWS_PROFILE is set), a session token s3rver does not know, a global endpoint, a real
 * KMS key pin, filters, alert rules. Local runs unset them so `npm start` behaves the same on every machine.
 */
const AMBIENT = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'RESOURCE_ID',
  'KMS_KEY_ARN',
  'DROP_CLASSES',
  'DROP_COMMANDS',
  'DROP_USERS',
  'MAX_DECOMPRESSED_BYTES',
  'ALERTS_DISABLED',
  'PRIVILEGED_USERS',
  'ALERT_CUSTOM_RULES',
  'ALERT_SQL_TEXT_CHARS',
  'ALERT_EVENT_BUS',
  'METRICS_NAMESPACE',
  'POWERTOOLS_DEV',
  'POWERTOOLS_LOGGER_LOG_EVENT',
  'AWS_LAMBDA_LOG_LEVEL',
] as const;

/**
 * The environment for running the handler against LocalAws: the SDK's standard variables pointing at
 * the local endpoints, BUCKET_NAME, INFO logs (their failure lines feed the report), and the ambient
 * settings above unset (undefined means "unset" for `withEnv`).
 */
export function localHandlerEnv(endpoints: Readonly<Record<string, string>>): Record<string, string | undefined> {
  return {
    ...Object.fromEntries(AMBIENT.map((name) => [name, undefined])),
    ...endpoints,
    AWS_DEFAULT_REGION: endpoints.AWS_REGION,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_SERVICE_NAME: 'das-firehose',
  };
}

/** `export`/`unset` lines a developer pastes into a shell to use the local servers. */
export function shellExports(endpoints: Readonly<Record<string, string>>): string[] {
  return [
    'unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL KMS_KEY_ARN RESOURCE_ID',
    ...Object.entries({ ...endpoints, AWS_DEFAULT_REGION: endpoints.AWS_REGION as string }).map(([name, value]) => `export ${name}=${value}`),
  ];
}
