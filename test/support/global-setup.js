// Every temporary file of a test run (s3rver folders, cdk.out assemblies, mkdtemp) goes to a folder of
// the run's own, removed by global-teardown.js: nothing is left in /tmp, and no test can see leftovers
// of an earlier run. The workers inherit TMPDIR, which os.tmpdir() reads at every call.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'das-firehose-test-'));
  process.env.DAS_FIREHOSE_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
