import { createRequire } from 'node:module';

/**
 * The release this code is (package.json's version, raised at each release with CHANGELOG.md):
 * shown by `/healthz` and logged at start, so an administrator sees which release runs after an
 * upgrade. Read from the checkout's package.json, one level up from src/ and from dist/ alike.
 */
export const RELEASE: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
