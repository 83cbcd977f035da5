/**
 * npm run query -- "<SQL>" | --named <name> | --list
 *
 * SQL over the local audit log (after npm start) with an embedded DuckDB: the tables and named queries
 * the stack deploys to Athena, the same SQL text. See --help.
 */
import { runMain } from '../local/commands/cli';
import { parseQuery, QUERY_USAGE, runQueryCommand } from '../local/commands/query';

runMain('query', async () => {
  const request = parseQuery(process.argv.slice(2));
  if (!request) {
    process.stdout.write(QUERY_USAGE);
    return;
  }
  const { out, note } = await runQueryCommand(request);
  // The result goes to stdout alone, so `npm run --silent query … --format csv > out.csv` keeps only it.
  process.stdout.write(out);
  if (note) process.stderr.write(`${note}\n`);
});
