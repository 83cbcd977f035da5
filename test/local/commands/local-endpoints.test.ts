import { refuseMixedEndpoints } from '../../../local/commands/local-endpoints';

const LOCAL = 'http://127.0.0.1:4569';

describe('local runs never reach AWS by surprise', () => {
  it('refuses, before anything runs, a command whose services are not all on the local servers when some are', () => {
    expect(() => refuseMixedEndpoints({ AWS_ENDPOINT_URL_S3: LOCAL }, ['S3', 'KMS'])).toThrow(
      'AWS_ENDPOINT_URL_S3 points at the local servers but AWS_ENDPOINT_URL_KMS is not set, so KMS requests would go to AWS',
    );
    expect(() => refuseMixedEndpoints({ AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://localhost:1' }, ['S3', 'KMS'])).toThrow('AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_KMS are not set');
  });

  it('lets through every service on loopback, a global endpoint, or no local endpoint at all (an account)', () => {
    expect(() => refuseMixedEndpoints({ AWS_ENDPOINT_URL_S3: LOCAL, AWS_ENDPOINT_URL_KMS: LOCAL }, ['S3', 'KMS'])).not.toThrow();
    expect(() => refuseMixedEndpoints({ AWS_ENDPOINT_URL: LOCAL }, ['S3', 'KMS'])).not.toThrow();
    expect(() => refuseMixedEndpoints({}, ['S3', 'KMS'])).not.toThrow();
    expect(() => refuseMixedEndpoints({ AWS_ENDPOINT_URL_S3: 'https://s3.eu-west-1.amazonaws.com' }, ['S3', 'KMS'])).not.toThrow();
  });
});
