import { createAlertPublisherHandler, type AlertPublisherEvent } from '../../lambda/alert-publisher-handler';
import { OUTBOX_PREFIX } from '../../lambda/core/alerts/outbox';
import { createReplayHandler, type ReplayRequest } from '../../lambda/replay-handler';
import type { HostedFunction } from '../../testkit/aws/local-aws';

/** The name the local Lambda endpoint gives the alert publisher, which the bucket's outbox notifications invoke. */
export const LOCAL_ALERT_PUBLISHER = 'das-firehose-local-alert-publisher';

/** The bucket's notifications, as the stack configures them: a new outbox object invokes the alert publisher. */
export const LOCAL_NOTIFICATIONS = [{ prefix: OUTBOX_PREFIX, suffix: '.json', function: LOCAL_ALERT_PUBLISHER }] as const;

/** The name the local Lambda endpoint gives the replay function (the stack's is in its ReplayFunctionName output). */
export const LOCAL_REPLAY_FUNCTION = 'das-firehose-local-replay';

/**
 * What the local Lambda endpoint hosts for the local commands, as the stack deploys them: the replay
 * function, for `npm run replay -- --function`, and the alert publisher, which the outbox's notifications invoke.
 */
export function localFunctions(options: { readonly replayTimeoutMs?: number } = {}): Record<string, HostedFunction> {
  return {
    [LOCAL_REPLAY_FUNCTION]: {
      create: (env) => {
        const handler = createReplayHandler(env);
        return (payload, context) => handler(payload as ReplayRequest | undefined, context);
      },
      ...(options.replayTimeoutMs !== undefined ? { timeoutMs: options.replayTimeoutMs } : {}),
    },
    [LOCAL_ALERT_PUBLISHER]: {
      create: (env) => {
        const handler = createAlertPublisherHandler(env);
        return (payload, context) =>
          handler(payload as AlertPublisherEvent, { getRemainingTimeInMillis: () => context.getRemainingTimeInMillis(), invokedFunctionArn: context.invokedFunctionArn ?? '' });
      },
      timeoutMs: 60_000,
    },
  };
}
