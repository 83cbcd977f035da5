import { UsageError } from './cli';

type Env = Readonly<Record<string, string | undefined>>;

/** The SDK's per-service endpoint variable of each service a local command may call. */
const ENDPOINT_VARIABLES = {
  S3: 'AWS_ENDPOINT_URL_S3',
  KMS: 'AWS_ENDPOINT_URL_KMS',
  Lambda: 'AWS_ENDPOINT_URL_LAMBDA',
  EventBridge: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  'Security Hub': 'AWS_ENDPOINT_URL_SECURITYHUB',
  RDS: 'AWS_ENDPOINT_URL_RDS',
} as const;

export type LocalService = keyof typeof ENDPOINT_VARIABLES;

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i;

/**
 * Local runs never reach AWS by surprise: when some service's endpoint points at the local servers (the
 * lines `npm run local` prints), every service the command is about to call must too. Otherwise the SDK
 * would send that service's requests to AWS with the local credentials (and fail four times, or worse,
 * succeed in an account). Throws a UsageError naming the variable to add before anything is invoked.
 */
export function refuseMixedEndpoints(env: Env, services: readonly LocalService[]): void {
  const local = Object.entries(ENDPOINT_VARIABLES).filter(([, variable]) => LOOPBACK.test(env[variable] ?? ''));
  if (local.length === 0 || LOOPBACK.test(env.AWS_ENDPOINT_URL ?? '')) return;
  const missing = services.filter((service) => !env[ENDPOINT_VARIABLES[service]] && !env.AWS_ENDPOINT_URL);
  if (missing.length === 0) return;
  const [first] = local;
  throw new UsageError(
    `${first?.[1]} points at the local servers but ${missing.map((service) => ENDPOINT_VARIABLES[service]).join(' and ')} ` +
      `${missing.length === 1 ? 'is' : 'are'} not set, so ${missing.join(' and ')} requests would go to AWS with the local credentials: ` +
      'paste every export line npm run local prints (or unset the local ones to use an account)',
  );
}

/** Whether the SDK's S3 requests go to a local server (the S3 endpoint, or the general one, is a loopback address). */
export function usesLocalS3(env: Env): boolean {
  return LOOPBACK.test(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? '');
}
