import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { PipelineMetrics } from './metrics';
import type { ActivityStreamDelivery } from './props';

/** The per-minute graphs: what a person watching a deployment or an incident looks at. */
const MINUTE = Duration.minutes(1);

/**
 * A CloudWatch dashboard of the pipeline, built on its metrics (see `PipelineMetrics`): events per
 * minute by class and by database, alert matches by rule, failed records and error-output objects,
 * delivery freshness per delivery stream, and the transformer's duration and errors. Graphs of values
 * the pipeline cannot list at synth (event classes, databases' metrics, rules that fired) use CloudWatch
 * `SEARCH` expressions over the transformer's namespace, so a new class or rule appears by itself.
 */
export function pipelineDashboard(
  scope: Construct,
  metrics: PipelineMetrics,
  namespace: string,
  deliveries: readonly ActivityStreamDelivery[],
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.hours(3) });
  const search = (label: string, dimensions: string, metricName: string) =>
    new cloudwatch.MathExpression({
      expression: `SEARCH('{${namespace.replace(/'/g, '')},${dimensions}} MetricName="${metricName}"', 'Sum', 60)`,
      label,
      period: MINUTE,
      usingMetrics: {},
    });
  const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
    new cloudwatch.GraphWidget({ title, left, right, width: 12, height: 6, stacked: false });

  const errorOutput = metrics.errorOutputObjects({ period: MINUTE, label: 'objects written to firehose/failed/' });
  dashboard.addWidgets(
    graph('Events stored per minute, by class', [search('', 'service,Resource,Class', 'Events')]),
    graph('Events stored per minute, by database', [search('', 'service,Resource', 'Events')]),
  );
  dashboard.addWidgets(
    graph('Alert matches per minute, by rule', [search('', 'service,Rule', 'AlertMatches')]),
    graph(
      'Records failed (kept for a re-drive) and error output',
      [metrics.recordsFailed({}, { period: MINUTE, label: 'records answered ProcessingFailed' })],
      errorOutput ? [errorOutput] : [],
    ),
  );
  dashboard.addWidgets(
    graph(
      'Delivery freshness (oldest record not yet delivered, seconds)',
      deliveries.map((delivery) => metrics.deliveryFreshness(delivery.resourceId, { period: MINUTE, label: delivery.resourceId })),
    ),
    graph(
      'Transformer: duration per batch (p99) and errors',
      [metrics.functionDuration({ period: MINUTE, label: 'duration p99 (ms)' })],
      [metrics.functionErrors({ period: MINUTE, label: 'errors (batches Firehose retries)' })],
    ),
  );
  return dashboard;
}
