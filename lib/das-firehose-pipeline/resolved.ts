import type * as events from 'aws-cdk-lib/aws-events';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { AlertRule } from '../../lambda/core/alerts/alert-rules';
import type { AlertsOptions, CustomAlertRule, DasFirehosePipelineProps, EncryptionContextKey } from './props';

/**
 * What validation settles from the props, for the parts that build from it (the function's environment,
 * the decrypt statements, the alerting resources): in a file of its own, so that those parts and the
 * validation that calls them do not import each other.
 */

/** An activity stream with its resource ID settled (a literal, or a token resolved at deployment). */
export interface ResolvedSource {
  readonly stream: kinesis.IStream;
  readonly key: kms.IKey;
  readonly resourceId: string;
  /** Whether a literal resource ID was given rather than read from the stream name (the function's resource ID setting). */
  readonly resourceIdGiven: boolean;
  /** The scope id of the database's resources in the pipeline: the resource ID, or the source's name when that is a token. */
  readonly scopeId: string;
  /** The encryption context key(s) the function may decrypt this database's data keys under. */
  readonly contextKeys: readonly EncryptionContextKey[];
}

/** The alerting settings, checked and settled. */
export interface ResolvedAlerts {
  /** The rules in force, in the transformer's order (none with `alerts: false`). */
  readonly rules: readonly AlertRule[];
  /** Built-in rule ids turned off (every one with `alerts: false`, since the transformer's rules are on by default). */
  readonly disabledRules: readonly string[];
  readonly privilegedUsers: readonly string[];
  readonly customRules: readonly CustomAlertRule[];
  /** Per rule in force, the matches in 5 minutes that raise its alarm; 0 for none. */
  readonly thresholds: ReadonlyMap<string, number>;
  readonly sqlTextChars: number;
  /** The bus the caller chose; the account's default bus when absent. */
  readonly eventBus?: events.IEventBus;
  readonly notifyHighSeverity: boolean;
  /** Whether the alert publisher also sends each alert to Security Hub. */
  readonly securityHub: boolean;
}

/** A prop, or a setting of `alerts` (`alerts.customRules`). */
export type PropName = keyof DasFirehosePipelineProps | `alerts.${keyof AlertsOptions}`;

/** How a prop is named in messages: by default its own name; the stack gives its context keys instead. */
export type PropNamer = (prop: PropName) => string;
