/**
 * npm run doctor -- --database <identifier|ARN> [--region R] | --all
 *
 * Checks, with your own credentials, that a database's activity stream is ready for das-firehose, and
 * prints the deploy command or what to fix. Exit 0 ready, 1 not ready, 2 usage, 3 could not check. See --help.
 */
import { runMain } from '../local/commands/cli';
import { DOCTOR_USAGE, parseDoctor, runDoctor } from '../local/commands/doctor';

runMain('doctor', async () => {
  const request = parseDoctor(process.argv.slice(2));
  if (!request) {
    process.stdout.write(DOCTOR_USAGE);
    return;
  }
  const { exitCode, lines } = await runDoctor(request);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = exitCode;
});
