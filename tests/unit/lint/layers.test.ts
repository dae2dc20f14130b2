/**
 * The layers are enforced by `npm run lint` (eslint.config.js, `no-restricted-imports` per
 * directory). Each case is a fixture: a line of code linted as if it were a file in that layer,
 * which must fail with the layer's message, beside one it may import, which must pass.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../../..', import.meta.url).pathname });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const FIXTURES: { layer: string; file: string; forbidden: string[]; allowed: string[]; says: string }[] = [
  {
    layer: 'core',
    file: 'src/core/fixture.ts',
    forbidden: [
      "import type { x } from '../engine/session.js';",
      "import { x } from '../logger.js';",
      "import x from 'mongoose';",
      "import { x } from 'node:fs';",
    ],
    allowed: ["import { x } from './text/digits.js';"],
    says: 'ground floor',
  },
  {
    layer: 'engine',
    file: 'src/engine/fixture.ts',
    forbidden: [
      "import { x } from '../flows/catalog.js';",
      "import type { x } from '../models/case-repository.js';",
      "import { x } from '../i18n/content.js';",
      "import x from 'ioredis';",
    ],
    allowed: ["import { x } from '../core/text/choice.js';", "import { x } from './session.js';"],
    says: 'The engine is pure',
  },
  {
    layer: 'content',
    file: 'src/flows/fixture.ts',
    forbidden: ["import { x } from '../services/submission.js';", "import type { x } from '../models/staff.js';", "import x from 'mongoose';"],
    allowed: ["import { x } from '../engine/session.js';", "import { x } from '../i18n/content.js';", "import { x } from '../faq/faq-matcher.js';"],
    says: 'Content',
  },
  {
    layer: 'texts',
    file: 'src/i18n/fixture.ts',
    forbidden: [
      "import { x } from '../faq/faq-matcher.js';",
      "import type { x } from '../flows/catalog.js';",
      "import { x } from '../services/live-content.js';",
    ],
    allowed: ["import { x } from '../engine/session.js';", "import { x } from './content.js';"],
    says: 'Texts (src/i18n)',
  },
  {
    layer: 'FAQ',
    file: 'src/faq/fixture.ts',
    forbidden: ["import { x } from '../flows/catalog.js';", "import x from 'ioredis';"],
    allowed: ["import { x } from '../i18n/content.js';", "import type { x } from '../engine/contract.js';"],
    says: 'The FAQ sits on the texts',
  },
  {
    layer: 'privacy',
    file: 'src/privacy/fixture.ts',
    forbidden: ["import { x } from '../models/sealed-storage.js';"],
    allowed: ["import { x } from '../core/channel.js';"],
    says: 'below storage',
  },
  {
    layer: 'models',
    file: 'src/models/fixture.ts',
    forbidden: [
      "import type { x } from '../services/case-actions.js';",
      "import { x } from '../bots/telegram/staff-desk.js';",
      "import { x } from '../config/config.js';",
    ],
    allowed: ["import x from 'mongoose';", "import { x } from '../privacy/key-ring.js';", "import type { x } from '../core/channel.js';"],
    says: 'Storage',
  },
  {
    layer: 'services',
    file: 'src/services/fixture.ts',
    forbidden: ["import type { x } from '../bots/inbound-message.js';", "import x from 'mongoose';", "import { x } from '../app.js';"],
    allowed: ["import { x } from '../models/case-repository.js';", "import type { x } from '../core/channel.js';", "import { x } from '../logger.js';"],
    says: 'no channel and no mongoose',
  },
  {
    layer: 'workers',
    file: 'src/workers/fixture.ts',
    forbidden: ["import { x } from '../bots/telegram/telegram-bot.js';"],
    allowed: ["import { x } from '../services/chat-lock.js';"],
    says: 'no channel and no mongoose',
  },
  {
    layer: 'command line',
    file: 'src/cli/fixture.ts',
    forbidden: ["import type { Connection } from 'mongoose';"],
    allowed: ["import { x } from '../models/storage.js';"],
    says: 'Only src/models imports mongoose',
  },
  {
    layer: 'wiring',
    file: 'src/fixture.ts',
    forbidden: ["import type { Connection } from 'mongoose';"],
    allowed: ["import { x } from './models/storage.js';"],
    says: 'Only src/models imports mongoose',
  },
  {
    layer: 'adapters',
    file: 'src/bots/telegram/fixture.ts',
    forbidden: ["import x from 'mongoose';", "import { x } from '../../app.js';"],
    allowed: ["import { x } from '../../models/staff.js';"],
    says: 'Only src/models imports mongoose',
  },
];

describe('the layers, as the linter enforces them', () => {
  for (const fixture of FIXTURES) {
    it(`${fixture.layer}: refuses what lies above it or does I/O, allows what lies below`, async () => {
      for (const line of fixture.forbidden) {
        const found = await problems(fixture.file, line);
        expect(found, line).toHaveLength(1);
        expect(found[0], line).toContain(fixture.says);
      }
      for (const line of fixture.allowed) expect(await problems(fixture.file, line), line).toEqual([]);
    });
  }
});

describe('import cycles, as the linter refuses them', () => {
  const cycles = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'local/no-import-cycle').map((m) => m.message);
  };

  it('refuses an import that closes a cycle, a type-only one too, and allows one that does not', async () => {
    // cli/admin.ts imports cli/output.ts (the cycle that CommandOutput in admin.ts used to make).
    expect(await cycles('src/cli/output.ts', "import { x } from './admin.js';")).toEqual([expect.stringContaining('cli/admin.ts imports this module back')]);
    expect(await cycles('src/cli/output.ts', "import type { x } from './admin.js';")).toHaveLength(1);
    // Through another module: the engine's session is imported by models, which the engine must not import back.
    expect(await cycles('src/engine/session.ts', "import type { x } from '../models/conversation-repository.js';")).toHaveLength(1);
    expect(await cycles('src/cli/admin.ts', "import { x } from './output.js';")).toEqual([]);
  });
});
