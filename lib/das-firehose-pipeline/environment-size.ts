import { Tokenization } from 'aws-cdk-lib';
import { SETTINGS, settingOfVariable } from '../../lambda/settings/definitions';
import * as defaults from '../defaults';
import { alertSettings } from './alerts';
import type { DasFirehosePipelineProps } from './props';
import { functionEnvironment } from './transform-function';
import type { PropName, PropNamer, ResolvedAlerts, ResolvedSource } from './resolved';

/** What a value CDK resolves only at deployment may take at most, in bytes. */
const LONGEST = {
  bucketName: 63,
  other: 128,
};

/** How a string token is written until it is resolved: `${Token[NAME.123]}`. */
const TOKEN_MARKER = /\$\{Token\[[^\]]*\]\}/g;

/**
 * Lambda refuses a function whose environment (keys and values) exceeds 4 KB, at deployment and with
 * little to say why: count it here, values known only at deployment at their longest.
 */
export function checkEnvironmentSize(props: DasFirehosePipelineProps, sources: readonly ResolvedSource[], alerts: ResolvedAlerts, name: PropNamer, problems: string[]): void {
  const environment = functionEnvironment(props, sources, 'b'.repeat(LONGEST.bucketName), alertSettings(alerts));
  const bytesOf = (value: string): number => {
    const tokens = Tokenization.reverseString(value).tokens.length;
    return Buffer.byteLength(value.replace(TOKEN_MARKER, '')) + tokens * LONGEST.other;
  };
  const sizes = Object.entries(environment).map(([key, value]) => ({ key, bytes: Buffer.byteLength(key) + bytesOf(value) }));
  const total = sizes.reduce((sum, entry) => sum + entry.bytes, 0);
  if (total <= defaults.MAX_FUNCTION_ENVIRONMENT_BYTES) return;
  // Which prop sets each variable, from the settings' definitions: the message names what to shorten.
  const setBy = (variable: string): string | undefined => {
    const setting = settingOfVariable(variable);
    const prop = setting === undefined ? undefined : SETTINGS[setting].prop;
    return prop === undefined || prop === 'bucket' ? undefined : name(prop as PropName);
  };
  const largest = sizes
    .filter((entry) => setBy(entry.key) !== undefined)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((entry) => `${setBy(entry.key)} ${entry.bytes} bytes`);
  problems.push(
    `The function's environment would take up to ${total} bytes, more than the ${defaults.MAX_FUNCTION_ENVIRONMENT_BYTES} Lambda allows ` +
      `(largest: ${largest.join(', ')}). Shorten the longest: fewer or shorter custom rules and descriptions, shorter lists.`,
  );
}
