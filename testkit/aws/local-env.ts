import { SETTING_VARIABLES, SETTINGS } from '../../lambda/settings/definitions';
/**
 * Settings from the developer's shell that would send the handler or the SDK somewhere other than
 * the local servers, or change what the samples show: a profile (the SDK skips the environment's
 * keys when AWS_PROFILE is set), a session token s3rver does not know, a global endpoint, and every
 * transformer setting (a real KMS key pin, filters, alert rules…). Local runs unset them so `npm start` behaves the same on every machine.
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
  'POWERTOOLS_DEV',
  'POWERTOOLS_LOGGER_LOG_EVENT',
  'AWS_LAMBDA_LOG_LEVEL',
  // Every transformer setting, from the settings' definitions: a shell's leftovers change nothing.
  ...SETTING_VARIABLES,
];

/**
 * The environment for running the handler against LocalAws: the SDK's standard variables pointing at
 * the local endpoints, the bucket, INFO logs (their failure lines feed the report), and the ambient
 * settings above unset (undefined means "unset" for `withEnv`).
 */
export function localHandlerEnv(endpoints: Readonly<Record<string, string>>): Record<string, string | undefined> {
  return {
    ...Object.fromEntries(AMBIENT.map((name) => [name, undefined])),
    ...endpoints,
    AWS_DEFAULT_REGION: endpoints.AWS_REGION,
    [SETTINGS.logLevel.env]: 'INFO',
    POWERTOOLS_SERVICE_NAME: 'das-firehose',
  };
}

/** `export`/`unset` lines a developer pastes into a shell to use the local servers. */
export function shellExports(endpoints: Readonly<Record<string, string>>): string[] {
  return [
    `unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL ${SETTINGS.kmsKeys.env} ${SETTINGS.resourceId.env}`,
    ...Object.entries({ ...endpoints, AWS_DEFAULT_REGION: endpoints.AWS_REGION as string }).map(([name, value]) => `export ${name}=${value}`),
  ];
}
