import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, loadConfig } from '../../../src/config/config.js';
import { KeyRing } from '../../../src/privacy/key-ring.js';

const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
const listed = Object.fromEntries(
  example
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1]!, match[2]!]),
);

describe('.env.example', () => {
  it('explains every variable the service reads, and nothing else', () => {
    expect(Object.keys(listed).sort()).toEqual(Object.keys(ConfigSchema.shape).sort());
  });

  it('starts the service as it stands once the keys are filled in (what scripts/services.sh --env does)', () => {
    const config = loadConfig({
      ...listed,
      DATA_KEYS: `local1:${KeyRing.generateKeyBase64()}`,
      DATA_KEY_CURRENT: 'local1',
      LOOKUP_KEY: KeyRing.generateKeyBase64(),
    });
    expect(config.WHATSAPP_ENABLED).toBe('off');
    expect(config.ADMIN_HTTP_TOKEN).toBeUndefined();
  });
});
