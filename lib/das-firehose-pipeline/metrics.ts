import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as defaults from '../defaults';
import type { ActivityStreamDelivery } from './props';

/**
 * The pipeline's metrics in one place: the transformer's own (Embedded Metric Format lines the function
 * writes, namespace `metricsNamespace`, dimension `service` added by Powertools), Firehose's per delivery
 * stream, S3's count of objects written to the error output, and the function's. The construct's
 * `metric*()` methods, its alarms and its dashboard all read them from here, so a namespace or a
 * dimension is written once.
 */
export class PipelineMetrics {
  constructor(
    private readonly namespace: string,
    private readonly watched: {
      readonly bucket: s3.IBucket;
      readonly errorOutputMetricsId?: string;
      readonly transformFunction: lambda.IFunction;
      readonly deliveries: readonly ActivityStreamDelivery[];
    },
  ) {}

  /** A metric of the transformer's namespace, with the `service` dimension every one of them carries. */
  metric(metricName: string, dimensions: Record<string, string> = {}, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
      dimensionsMap: { service: defaults.SERVICE_NAME, ...dimensions, ...props.dimensionsMap },
    });
  }

  /** Events stored in the audit log: in all, or of one database (`resourceId`), or of one of its classes too. */
  events(filter: { readonly resourceId?: string; readonly eventClass?: string } = {}, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const dimensions: Record<string, string> = {};
    if (filter.resourceId !== undefined) dimensions.Resource = filter.resourceId;
    if (filter.eventClass !== undefined) {
      if (filter.resourceId === undefined) throw new Error('metricEvents: an event class is counted per database; give its resourceId too');
      dimensions.Class = filter.eventClass;
    }
    return this.metric('Events', dimensions, props);
  }

  /** Matches of the alert rules: of one rule, and of one database when given (the alarms watch a rule's). */
  alertMatches(filter: { readonly rule: string; readonly resourceId?: string }, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('AlertMatches', { ...(filter.resourceId !== undefined ? { Resource: filter.resourceId } : {}), Rule: filter.rule }, props);
  }

  /** Records the transformer answered ProcessingFailed (kept with their data in the error output). */
  recordsFailed(filter: { readonly resourceId?: string } = {}, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('RecordsFailed', filter.resourceId !== undefined ? { Resource: filter.resourceId } : {}, props);
  }

  /**
   * Objects Firehose wrote to its error output (`firehose/failed/`), counted by the bucket's request-metrics
   * filter; undefined for a bucket the caller brings, which has no filter of the pipeline's.
   */
  errorOutputObjects(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric | undefined {
    if (!this.watched.errorOutputMetricsId) return undefined;
    return new cloudwatch.Metric({
      namespace: 'AWS/S3',
      metricName: 'PutRequests',
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
      dimensionsMap: { BucketName: this.watched.bucket.bucketName, FilterId: this.watched.errorOutputMetricsId, ...props.dimensionsMap },
    });
  }

  /** A Firehose metric of one delivery stream (by the database it carries; the first one by default). */
  delivery(metricName: string, resourceId: string | undefined, statistic: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    const delivery = resourceId === undefined ? this.watched.deliveries[0] : this.watched.deliveries.find((item) => item.resourceId === resourceId);
    if (!delivery) throw new Error(`No delivery stream carries ${resourceId}; the pipeline's are ${this.watched.deliveries.map((item) => item.resourceId).join(', ')}`);
    return new cloudwatch.Metric({
      namespace: 'AWS/Firehose',
      metricName,
      statistic,
      period: Duration.minutes(5),
      ...props,
      dimensionsMap: { DeliveryStreamName: delivery.deliveryStream.deliveryStreamRef.deliveryStreamName, ...props.dimensionsMap },
    });
  }

  /** The age of the oldest record a delivery stream has not yet delivered to S3 (seconds, maximum). */
  deliveryFreshness(resourceId?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.delivery('DeliveryToS3.DataFreshness', resourceId, cloudwatch.Stats.MAXIMUM, props);
  }

  /** Whether a delivery stream's invocations of the transformer succeeded (1) or not (below 1; minimum). */
  processingSuccess(resourceId?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.delivery('ExecuteProcessing.Success', resourceId, cloudwatch.Stats.MINIMUM, props);
  }

  /** The transformer's errors (throws and timeouts: each makes Firehose retry the batch). */
  functionErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.watched.transformFunction.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5), ...props });
  }

  /** The transformer's duration per batch. */
  functionDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.watched.transformFunction.metricDuration({ statistic: cloudwatch.Stats.p(99), period: Duration.minutes(5), ...props });
  }
}
