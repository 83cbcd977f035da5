import { request } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { LocalLambda } from '../../../testkit/aws/lambda-endpoint';

/**
 * The local Lambda endpoint answers Invoke as Lambda does, through the real @aws-sdk/client-lambda, and
 * refuses what Lambda refuses for that call.
 */
describe('the local Lambda endpoint', () => {
  const lambda = new LocalLambda();
  let client: LambdaClient;
  beforeAll(async () => {
    lambda.register('echo', { handler: async (payload, context) => ({ payload, remaining: context.getRemainingTimeInMillis() }), timeoutMs: 5_000 });
    lambda.register('fails', {
      handler: async () => {
        throw new TypeError('the handler broke');
      },
    });
    client = new LambdaClient({ endpoint: await lambda.start(), region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await lambda.stop();
  });

  const invoke = (name: string, payload: string) => client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(payload) }));
  const refusal = (promise: Promise<unknown>) => promise.then(() => 'accepted', (error: Error) => error.name);

  it('runs the handler with the payload and a context counting down from the timeout, by name or ARN', async () => {
    const answer = await invoke('arn:aws:lambda:us-east-1:000000000000:function:echo', '{"a":1}');
    const body = JSON.parse(Buffer.from(answer.Payload!).toString('utf8')) as { payload: unknown; remaining: number };
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBeUndefined();
    expect(body.payload).toEqual({ a: 1 });
    expect(body.remaining).toBeGreaterThan(4_000);
    expect(body.remaining).toBeLessThanOrEqual(5_000);
    expect(lambda.invocations('echo')).toBe(1);
  });

  it('answers a handler\'s error as a function error, with its type and message', async () => {
    const answer = await invoke('fails', '{}');
    expect(answer.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(answer.Payload!).toString('utf8'))).toMatchObject({ errorType: 'TypeError', errorMessage: 'the handler broke' });
  });

  it('refuses an unknown function, a payload that is not JSON or is over 6 MB, and other invocation types', async () => {
    expect(await refusal(invoke('nope', '{}'))).toBe('ResourceNotFoundException');
    expect(await refusal(invoke('echo', '{not json'))).toBe('InvalidRequestContentException');
    expect(await refusal(invoke('echo', `"${'x'.repeat(6 * 1024 * 1024)}"`))).toBe('RequestTooLargeException');
    expect(await refusal(client.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: Buffer.from('{}') })))).toBe('InvalidParameterValueException');
  });

  it('refuses an unsigned request', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const call = request(`${lambda.endpoint}/2015-03-31/functions/echo/invocations`, { method: 'POST' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      call.on('error', reject);
      call.end('{}');
    });
    expect(status).toBe(403);
  });
});
