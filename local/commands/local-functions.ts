import { createReplayHandler, type ReplayRequest } from '../../lambda/replay-handler';
import type { HostedFunction } from '../../testkit/aws/local-aws';

/** The name the local Lambda endpoint gives the replay function (the stack's is in its ReplayFunctionName output). */
export const LOCAL_REPLAY_FUNCTION = 'das-firehose-local-replay';

/**
 * What the local Lambda endpoint hosts for the local commands: the replay function, as the stack deploys
 * it, for `npm run replay -- --function`.
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
  };
}
