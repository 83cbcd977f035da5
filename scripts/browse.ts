/**
 * npm run browse -- [options]
 *
 * Lists the audit log's command folders with object and event counts, locally (the .local/s3 folder
 * npm start and npm run local write) or in a real bucket (--bucket), or prints one command's events of
 * a day as NDJSON or a table. See --help.
 */
import { runMain } from '../local/commands/cli';
import { browse, BROWSE_USAGE, parseBrowse } from '../local/commands/browse';

runMain('browse', async () => {
  const request = parseBrowse(process.argv.slice(2));
  if (!request) {
    process.stdout.write(BROWSE_USAGE);
    return;
  }
  const { out, note } = await browse(request);
  // Events go to stdout alone, so `npm run --silent browse … > events.ndjson` keeps only them.
  process.stdout.write(out);
  if (note) process.stderr.write(`${note}\n`);
});
