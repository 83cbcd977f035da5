/**
 * Import direction, checked in `npm test` (`depcruise`): the architecture the folders show.
 * - lambda/core/ is the pure core: it imports nothing outside itself (node: built-ins aside), and its
 *   flows (transform, alerts, replay) share lambda/core/shared/, which imports none of them;
 * - lambda/ (the product's runtime) imports nothing from lib/, bin/ or the tooling;
 * - lib/ and bin/ (the CDK side) import nothing from the tooling;
 * - testkit/ (what tests and local commands import) never imports the commands, the tools or the tests;
 * - local/ (the commands a user runs) never imports the tools or the tests;
 * - nothing imports test/ but test/;
 * - no import cycles anywhere.
 */
const PRODUCT = '^(lambda|lib|bin)/';
const TOOLING = '^(local|testkit|tools|scripts|test)/';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles make the layers unreadable.', from: {}, to: { circular: true } },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'lambda/core imports nothing outside itself but Node built-ins (and types of the Lambda event).',
      from: { path: '^lambda/core/' },
      to: { pathNot: ['^lambda/core/', '^node:', '^(crypto|zlib|buffer|events|util|stream)$', '@types/aws-lambda', 'node_modules/@types/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'core-flows',
      severity: 'error',
      comment: 'lambda/core/shared serves every flow and imports none; alerts imports only shared; replay drives transform, never the reverse.',
      from: { path: '^lambda/core/shared/' },
      to: { path: '^lambda/core/(transform|alerts|replay|database-source)/' },
    },
    {
      name: 'database-source-alone',
      severity: 'error',
      comment: 'The database source (the custom resource that finds or starts an activity stream) shares no code with the record flows but lambda/core/shared.',
      from: { path: '^lambda/core/database-source/' },
      to: { path: '^lambda/core/(transform|alerts|replay)/' },
    },
    { name: 'flows-not-database-source', severity: 'error', from: { path: '^lambda/core/(transform|alerts|replay)/' }, to: { path: '^lambda/core/database-source/' } },
    { name: 'alerts-on-shared', severity: 'error', from: { path: '^lambda/core/alerts/' }, to: { path: '^lambda/core/(transform|replay)/' } },
    { name: 'transform-not-replay', severity: 'error', from: { path: '^lambda/core/transform/' }, to: { path: '^lambda/core/replay/' } },
    { name: 'lambda-not-lib', severity: 'error', from: { path: '^lambda/' }, to: { path: '^(lib|bin)/' } },
    { name: 'product-not-tooling', severity: 'error', comment: 'Product code never depends on tooling.', from: { path: PRODUCT }, to: { path: TOOLING } },
    { name: 'testkit-not-commands', severity: 'error', from: { path: '^testkit/' }, to: { path: '^(local|tools|scripts|test)/' } },
    { name: 'local-not-tools', severity: 'error', from: { path: '^local/' }, to: { path: '^(tools|scripts|test)/' } },
    { name: 'only-tests-import-tests', severity: 'error', from: { pathNot: '^test/' }, to: { path: '^test/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|\\.local)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
  },
};
