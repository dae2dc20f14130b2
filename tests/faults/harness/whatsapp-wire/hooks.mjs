// Module resolution hook (node:module `register`): 'whatsapp-web.js' imported from the service's
// sources resolves to the wired library; imported from anywhere else (the wired library itself,
// the library's own files), to the real package.
import { URL } from 'node:url';

const SOURCES = new URL('../../../../src/', import.meta.url).href;
const WIRED = new URL('./library.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  // Resolved by the next hook (tsx's), which then loads the TypeScript file.
  if (specifier === 'whatsapp-web.js' && context.parentURL?.startsWith(SOURCES)) return nextResolve(WIRED, context);
  return nextResolve(specifier, context);
}
