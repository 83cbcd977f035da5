const { rmSync } = require('node:fs');

module.exports = async () => {
  const dir = process.env.DAS_FIREHOSE_TEST_TMPDIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
};
