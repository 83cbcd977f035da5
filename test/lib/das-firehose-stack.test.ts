import { CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../../lib/defaults';
import { DasFirehoseStack } from '../../lib/das-firehose-stack';
import { KEY_ARN, STREAM_ARN, synthApp } from './synth-app';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>>; Sid?: string };

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** Every Allow statement of the identity policies attached to a role, by the role's logical ID. */
function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleLogicalId),
  );
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

function onlyLogicalId(template: Template, type: string, props?: Record<string, unknown>): string {
  const ids = Object.keys(template.findResources(type, props ? { Properties: props } : undefined));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('DasFirehoseStack with one Aurora cluster and defaults', () => {
  let stack: DasFirehoseStack;
  let template: Template;
  let bucketId: string;
  let functionId: string;
  let functionRoleId: string;
  let firehoseRoleId: string;

  beforeAll(() => {
    ({ stack, template } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN }));
    bucketId = stack.resolve((stack.pipeline.bucket.node.defaultChild as CfnBucket).logicalId);
    functionId = stack.resolve((stack.pipeline.transformFunction.node.defaultChild as CfnResource).logicalId);
    functionRoleId = template.findResources('AWS::Lambda::Function')[functionId].Properties.Role['Fn::GetAtt'][0];
    firehoseRoleId = template.findResources('AWS::KinesisFirehose::DeliveryStream')[
      onlyLogicalId(template, 'AWS::KinesisFirehose::DeliveryStream')
    ].Properties.ExtendedS3DestinationConfiguration.RoleARN['Fn::GetAtt'][0];
  });

  describe('IAM', () => {
    it('lets the function decrypt only with the DAS key, under the cluster\'s encryption context', () => {
      const kmsStatements = statementsOfRole(template, functionRoleId).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
      expect(kmsStatements).toEqual([
        {
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: KEY_ARN,
          Condition: { StringEquals: { 'kms:EncryptionContext:aws:rds:dbc-id': 'cluster-ABCDEFGHIJKL' } },
        },
      ]);
    });

    it('lets the function write and roll back under events/, its journal and the alert outbox, nothing else in S3', () => {
      const s3Statements = statementsOfRole(template, functionRoleId).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
      expect(s3Statements).toEqual([
        {
          Sid: 'WriteEvents',
          Effect: 'Allow',
          Action: ['s3:DeleteObject', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/events/*']] },
        },
        {
          Sid: 'WriteJournal',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/journal/*']] },
        },
        {
          Sid: 'WriteAlertOutbox',
          Effect: 'Allow',
          Action: ['s3:DeleteObject', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/alerts/pending/*']] },
        },
      ]);
    });

    it('gives the function only its log group, KMS and S3: no events:PutEvents, the publisher sends alerts (no managed policies)', () => {
      const services = new Set(statementsOfRole(template, functionRoleId).flatMap(actionsOf).map((a) => a.split(':')[0]));
      expect([...services].sort()).toEqual(['kms', 'logs', 's3']);
      expect(statementsOfRole(template, functionRoleId).flatMap(actionsOf)).not.toContain('events:PutEvents');
      // Only CDK's bucket notifications handler (which adds the alert outbox's notification) has one: its own design.
      const managed = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, r]) => r.Properties.ManagedPolicyArns).map(([id]) => id);
      expect(managed).toEqual([expect.stringMatching(/^BucketNotificationsHandler/)]);
    });

    it('lets Firehose read only its stream, invoke only the function and write only firehose/ in the bucket', () => {
      const statements = statementsOfRole(template, firehoseRoleId);
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(bySid.ReadActivityStream).toMatchObject({ Resource: STREAM_ARN });
      expect(actionsOf(bySid.ReadActivityStream).every((a) => a.startsWith('kinesis:'))).toBe(true);
      expect(bySid.InvokeTransformer).toMatchObject({
        Action: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
        Resource: { 'Fn::GetAtt': [functionId, 'Arn'] },
      });
      expect(bySid.LocateBucket).toMatchObject({ Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } });
      expect(bySid.WriteFirehosePrefix).toMatchObject({
        Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/firehose/*']] },
      });
      expect(bySid.LogDeliveryErrors).toMatchObject({ Action: 'logs:PutLogEvents' });
      expect(Object.keys(bySid).sort()).toEqual(
        ['InvokeTransformer', 'LocateBucket', 'LogDeliveryErrors', 'ReadActivityStream', 'WriteFirehosePrefix'].sort(),
      );
    });

    it('lets only Firehose acting for this account assume the delivery role', () => {
      const role = template.findResources('AWS::IAM::Role')[firehoseRoleId];
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'firehose.amazonaws.com' },
          Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
        },
      ]);
    });

    it('grants no wildcard action anywhere', () => {
      const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap(actionsOf),
      );
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    });
  });

  describe('audit bucket', () => {
    it('blocks public access, enforces encryption at rest, versioning and bucket-owner ownership', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      const buckets = template.findResources('AWS::S3::Bucket');
      // The audit bucket, its access-logs bucket, the query results bucket and the all_events table's bucket.
      expect(Object.keys(buckets)).toHaveLength(4);
      for (const bucket of Object.values(buckets)) {
        expect(bucket.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicPolicy: true, RestrictPublicBuckets: true });
        expect(bucket.Properties.BucketEncryption).toBeDefined();
      }
    });

    it('denies requests without TLS (and below TLS 1.2)', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    });

    it('logs server access to a separate, hardened bucket', () => {
      const accessLogsId = stack.resolve((stack.pipeline.accessLogsBucket!.node.defaultChild as CfnBucket).logicalId);
      template.hasResourceProperties('AWS::S3::Bucket', {
        LoggingConfiguration: { DestinationBucketName: { Ref: accessLogsId }, LogFilePrefix: 'audit-bucket/' },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: accessLogsId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
          ]),
        },
      });
    });

    it('is retained when the stack is deleted', () => {
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({ LoggingConfiguration: Match.anyValue() }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('transitions events/ and firehose/ after 90 days and keeps them, expires noncurrent versions after 30 days', () => {
      const rules = template.findResources('AWS::S3::Bucket')[bucketId].Properties.LifecycleConfiguration.Rules;
      for (const [id, prefix] of [['AuditEvents', 'events/'], ['FirehoseOutput', 'firehose/']]) {
        expect(rules).toContainEqual({
          Id: id,
          Prefix: prefix,
          Status: 'Enabled',
          Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        });
      }
      expect(rules).toContainEqual({ Id: 'AbortIncompleteUploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });
      expect(rules).toContainEqual(expect.objectContaining({ ExpiredObjectDeleteMarker: true }));
    });

    it('keeps the batch journal 90 days, never in a colder storage class', () => {
      const rules = template.findResources('AWS::S3::Bucket')[bucketId].Properties.LifecycleConfiguration.Rules;
      expect(rules).toContainEqual({
        Id: 'BatchJournal',
        Prefix: 'journal/',
        Status: 'Enabled',
        ExpirationInDays: 90,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      });
      const expiring = rules.filter((rule: Record<string, unknown>) => 'ExpirationInDays' in rule);
      expect(expiring.map((rule: { Id: string }) => rule.Id)).toEqual(['BatchJournal']);
    });

    it('has no Object Lock unless asked for', () => {
      const bucket = template.findResources('AWS::S3::Bucket')[bucketId];
      expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
      expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
    });
  });

  describe('Firehose', () => {
    it('reads the activity stream and delivers to the audit bucket', () => {
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: STREAM_ARN, RoleARN: { 'Fn::GetAtt': [firehoseRoleId, 'Arn'] } },
        ExtendedS3DestinationConfiguration: Match.objectLike({ BucketARN: { 'Fn::GetAtt': [bucketId, 'Arn'] } }),
      });
    });

    it('delivers the receipts gzipped by Firehose (one stream per object), .jsonl.gz, by database and hour, with an error prefix naming the database', () => {
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        ExtendedS3DestinationConfiguration: Match.objectLike({
          CompressionFormat: 'GZIP',
          FileExtension: '.jsonl.gz',
          Prefix: 'firehose/ok/resource=cluster-ABCDEFGHIJKL/date=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/',
          ErrorOutputPrefix:
            'firehose/failed/resource=cluster-ABCDEFGHIJKL/type=!{firehose:error-output-type}/date=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/',
          CloudWatchLoggingOptions: { Enabled: true, LogGroupName: Match.anyValue(), LogStreamName: Match.anyValue() },
        }),
      });
    });

    it('runs the transformer as its only processor: 1 MB / 60 s buffer, at least 3 retries, no appended delimiter', () => {
      const stream = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0];
      const processing = stream.Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration;
      expect(processing.Enabled).toBe(true);
      expect(processing.Processors).toHaveLength(1);
      const [processor] = processing.Processors;
      expect(processor.Type).toBe('Lambda');
      const parameters = Object.fromEntries(
        processor.Parameters.map((p: { ParameterName: string; ParameterValue: unknown }) => [p.ParameterName, p.ParameterValue]),
      );
      expect(parameters).toEqual({
        LambdaArn: { 'Fn::GetAtt': [functionId, 'Arn'] },
        NumberOfRetries: '3',
        BufferSizeInMBs: '1',
        BufferIntervalInSeconds: '60',
      });
      expect(Number(parameters.NumberOfRetries)).toBeGreaterThanOrEqual(3);
      expect(JSON.stringify(stream)).not.toContain('AppendDelimiterToRecord');
    });

    it('is created after the policy that lets it read the stream', () => {
      const stream = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0];
      const policyIds = Object.keys(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: firehoseRoleId }] } }));
      expect(stream.DependsOn).toEqual(expect.arrayContaining(policyIds));
    });
  });

  describe('transformer function', () => {
    it('runs the bundled handler on Node.js 22 or newer, arm64, benchmark memory, timeout within Firehose\'s 5 minutes', () => {
      const fn = template.findResources('AWS::Lambda::Function')[functionId].Properties;
      expect(fn.Handler).toBe('index.handler');
      expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.MemorySize).toBe(DEFAULT_FUNCTION_MEMORY_MB);
      expect(fn.Timeout).toBeGreaterThanOrEqual(60);
      expect(fn.Timeout).toBeLessThanOrEqual(300);
    });

    it('gets the bucket, the key, the Powertools and metrics settings in its environment, and not the alert bus', () => {
      const variables = template.findResources('AWS::Lambda::Function')[functionId].Properties.Environment.Variables;
      expect(variables).toEqual({
        BUCKET_NAME: { Ref: bucketId },
        KMS_KEY_ARN: KEY_ARN,
        POWERTOOLS_SERVICE_NAME: 'das-firehose',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        METRICS_NAMESPACE: 'DasFirehose',
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('logs to a log group with bounded retention', () => {
      const fn = template.findResources('AWS::Lambda::Function')[functionId].Properties;
      const logGroupId = fn.LoggingConfig.LogGroup.Ref;
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId].Properties.RetentionInDays).toBe(90);
      for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
        expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
      }
    });
  });

  describe('alarms', () => {
    it('watches the error output, function errors, processing success, delivery freshness, the alert rules and the alert backlog', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
      const byMetric = Object.fromEntries(
        alarms.map((alarm) => [alarm.Metrics ? `${alarm.Metrics[1].MetricStat.Metric.Namespace} ${alarm.Metrics[0].Expression}` : `${alarm.Namespace} ${alarm.MetricName}`, alarm]),
      );
      expect(Object.keys(byMetric).sort()).toEqual([
        'AWS/Firehose DeliveryToS3.DataFreshness',
        'AWS/Firehose ExecuteProcessing.Success',
        'AWS/Lambda Errors',
        'AWS/S3 PutRequests',
        'AWS/States failed + timedOut + aborted',
        'DasFirehose AlertMatches',
        'DasFirehose AlertOutboxUnreadable',
        'DasFirehose AlertsRefused',
        'DasFirehose OldestAlertAgeSeconds',
      ]);
      expect(byMetric['AWS/S3 PutRequests']).toMatchObject({
        Dimensions: expect.arrayContaining([{ Name: 'FilterId', Value: 'FirehoseErrorOutput' }]),
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(byMetric['AWS/Lambda Errors']).toMatchObject({ Statistic: 'Sum', Threshold: 1 });
      expect(byMetric['AWS/Firehose ExecuteProcessing.Success']).toMatchObject({ Threshold: 1, ComparisonOperator: 'LessThanThreshold' });
      expect(byMetric['AWS/Firehose DeliveryToS3.DataFreshness']).toMatchObject({ Threshold: 900, ComparisonOperator: 'GreaterThanThreshold' });
      expect(alarms.every((alarm) => alarm.AlarmActions === undefined)).toBe(true);
    });

    it('counts error-output objects with an S3 request metrics filter on firehose/failed/', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        MetricsConfigurations: [{ Id: 'FirehoseErrorOutput', Prefix: 'firehose/failed/' }],
      });
    });
  });

  describe('outputs', () => {
    it('gives the bucket name, the console link to events/ and the delivery stream name', () => {
      const outputs = template.findOutputs('*');
      expect(outputs.BucketName.Value).toEqual({ Ref: bucketId });
      expect(JSON.stringify(outputs.EventsConsoleUrl.Value)).toContain('https://s3.console.aws.amazon.com/s3/buckets/');
      expect(JSON.stringify(outputs.EventsConsoleUrl.Value)).toContain('prefix=events/');
      expect(outputs.DeliveryStreamName.Value).toEqual({
        Ref: onlyLogicalId(template, 'AWS::KinesisFirehose::DeliveryStream'),
      });
    });
  });

  it('refuses to deploy outside the stream\'s region', () => {
    expect(template.toJSON().Rules.DeployInStreamRegion).toEqual({
      Assertions: [
        {
          Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
          AssertDescription: expect.stringContaining('us-east-1'),
        },
      ],
    });
  });
});

describe('DasFirehoseStack configured through context', () => {
  let template: Template;
  let bucket: Record<string, any>;

  beforeAll(() => {
    ({ template } = synthApp({
      dasStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/das-renamed',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      resourceId: 'db-ABCDEFGHIJKLMNOP',
      dropClasses: 'MISC',
      dropCommands: 'select, show',
      dropUsers: 'rdsadmin',
      transitionAfterDays: '30',
      expireAfterDays: '2555',
      noncurrentExpireAfterDays: '7',
      objectLockDays: '365',
      objectLockMode: 'compliance',
      logRetentionDays: '30',
      functionMemoryMb: '2048',
      logLevel: 'debug',
      alarmEmail: 'dba@example.com',
      decryptFastPath: 'false',
    }));
    bucket = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { ObjectLockEnabled: true } }))[0];
  });

  it('enables Object Lock with the default retention asked for', () => {
    expect(bucket.Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
    });
  });

  it('applies the lifecycle settings', () => {
    expect(bucket.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
      Id: 'AuditEvents',
      Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
      ExpirationInDays: 2555,
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
    });
  });

  it('passes the resource ID, drop filters, log level, decryption path and memory to the function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Environment: {
        Variables: Match.objectLike({
          DECRYPT_FAST_PATH: 'off',
          RESOURCE_ID: 'db-ABCDEFGHIJKLMNOP',
          DROP_CLASSES: 'MISC',
          DROP_COMMANDS: 'select,show',
          DROP_USERS: 'rdsadmin',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
        }),
      },
    });
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
  });

  it('uses the instance encryption context for a db- resource', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Condition: { StringEquals: { 'kms:EncryptionContext:aws:rds:db-id': 'db-ABCDEFGHIJKLMNOP' } },
          }),
        ]),
      },
    });
  });

  it('notifies the e-mail address through an SSL-only topic from every alarm', () => {
    const topicId = onlyLogicalId(template, 'AWS::SNS::Topic');
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'dba@example.com',
      TopicArn: { Ref: topicId },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(4 + 1 + 3 + 3); // the pipeline's, the all_events loader's, one per built-in alert rule in force, three on the alert outbox
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });
});

describe('DasFirehoseStack with an existing alarm topic', () => {
  it('notifies that topic and creates none', () => {
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:ops-alarms';
    const { template } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN, alarmTopicArn: topicArn });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
    }
  });
});

describe('upgrading a deployed stack', () => {
  // A changed logical ID makes CloudFormation replace the resource: for the audit bucket that would
  // orphan the old one (retained) and start a second audit log. These are the IDs stacks were deployed with.
  it('keeps the logical IDs of every resource an earlier version deployed, so they are updated in place', () => {
    const { template } = synthApp({ dasStreamArn: STREAM_ARN, kmsKeyArn: KEY_ARN, alarmEmail: 'a@b.co' });
    const ids = Object.keys(template.toJSON().Resources);
    expect(ids).toEqual(
      expect.arrayContaining([
        'PipelineBucket5BC3F8EA',
        'PipelineAccessLogsBucket31EC11F4',
        'PipelineBucketPolicy5F75DE89',
        'PipelineAccessLogsBucketPolicy3AEEDE7E',
        'PipelineTransformFunction5AD3464C',
        'PipelineFunctionRole401437C7',
        'PipelineFunctionRoleDefaultPolicyEAF49FF5',
        'PipelineFunctionLogGroup53100CA0',
        'PipelineDeliveryLogGroup2A79895A',
        'PipelineclusterABCDEFGHIJKLDeliveryStream710A4368',
        'PipelineclusterABCDEFGHIJKLRole4C20631E',
        'PipelineclusterABCDEFGHIJKLPolicy79A748F3',
        'PipelineclusterABCDEFGHIJKLLogStream6E993F83',
        'PipelineErrorOutputAlarm7B621978',
        'PipelineFunctionErrorsAlarmBBD58449',
        'PipelineclusterABCDEFGHIJKLProcessingFailuresAlarmDFB5E3CD',
        'PipelineclusterABCDEFGHIJKLDeliveryFreshnessAlarm0FC78C42',
        'AlarmTopicD01E77F9',
      ]),
    );
  });
});
