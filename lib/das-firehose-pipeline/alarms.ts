import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';
import * as defaults from '../defaults';
import type { PipelineMetrics } from './metrics';
import type { ActivityStreamDelivery, DasFirehosePipelineProps } from './props';

/** What the alarms watch besides the metrics: the delivery streams, one pair of alarms each. */
export interface Watched {
  readonly deliveries: readonly ActivityStreamDelivery[];
  /** Alarms made elsewhere (the all_events loader's) that notify the alarm topic too. */
  readonly extra?: readonly cloudwatch.Alarm[];
}

const PERIOD = Duration.minutes(5);

/**
 * The pipeline's alarms, each telling the operator where to look: objects written to the error output,
 * the transformer failing, and per delivery stream, processing invocations failing and delivery falling
 * behind. They notify `alarmTopic` when given.
 */
export function pipelineAlarms(scope: Construct, props: DasFirehosePipelineProps, metrics: PipelineMetrics, watched: Watched): cloudwatch.Alarm[] {
  const alarms: cloudwatch.Alarm[] = [];
  const atLeastOnce = {
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };

  // A bucket the caller brings has no request-metrics filter of ours: the transformer's own metrics
  // and Firehose's cover the failures then.
  const errorOutputObjects = metrics.errorOutputObjects({ period: PERIOD });
  if (errorOutputObjects) {
    alarms.push(
      new cloudwatch.Alarm(scope, 'ErrorOutputAlarm', {
        alarmDescription:
          `Firehose wrote records to s3://<bucket>/${defaults.FIREHOSE_FAILED_ROOT}: records the transformer answered ` +
          'ProcessingFailed, batches that failed after every retry, or S3 delivery failures. Look at the objects ' +
          'there and at the transformer\'s logs; once the cause is fixed, npm run replay -- --function <ReplayFunctionName ' +
          'output> re-drives them (docs/operations.md: Re-driving failures).',
        metric: errorOutputObjects,
        ...atLeastOnce,
      }),
    );
  }

  alarms.push(
    new cloudwatch.Alarm(scope, 'FunctionErrorsAlarm', {
      alarmDescription:
        'The transformer threw or timed out; Firehose retries the batch and then sends it to the error output. ' +
        'See the function\'s log group.',
      metric: metrics.functionErrors({ period: PERIOD }),
      ...atLeastOnce,
    }),
  );

  const freshness = props.freshnessAlarmThreshold ?? defaults.DEFAULT_FRESHNESS_THRESHOLD;
  for (const delivery of watched.deliveries) {
    const deliveryScope = delivery.deliveryStream.node.scope as Construct;
    alarms.push(
      new cloudwatch.Alarm(deliveryScope, 'ProcessingFailuresAlarm', {
        alarmDescription:
          `Firehose could not invoke the transformer successfully for ${delivery.resourceId} ` +
          '(ExecuteProcessing.Success below 1); failed batches end up in the error output.',
        metric: metrics.processingSuccess(delivery.resourceId, { period: PERIOD }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    alarms.push(
      new cloudwatch.Alarm(deliveryScope, 'DeliveryFreshnessAlarm', {
        alarmDescription:
          `Records of ${delivery.resourceId} have waited more than ${freshness.toSeconds()} seconds for delivery ` +
          'to S3 (DeliveryToS3.DataFreshness). Check the delivery stream\'s error log.',
        metric: metrics.deliveryFreshness(delivery.resourceId, { period: PERIOD }),
        threshold: freshness.toSeconds(),
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  alarms.push(...(watched.extra ?? []));
  if (props.alarmTopic) {
    const action = new cloudwatchActions.SnsAction(props.alarmTopic);
    for (const alarm of alarms) alarm.addAlarmAction(action);
  }
  return alarms;
}
