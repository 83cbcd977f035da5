/**
 * The transformer function's bundle entry: its handler (and `createHandler`, which the bundle tests
 * use), nothing else. esbuild then leaves out the other functions' modules and the RDS, EventBridge and
 * Security Hub clients they alone use: loading them lazily kept them from running at a cold start, but
 * V8 still had to parse their text (a third of the bundle) every time a transformer container started.
 * The other functions share `lambda/handler.ts`'s bundle, which exports every entry point.
 */
export { createHandler, handler } from './handler';
