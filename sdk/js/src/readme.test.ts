// The README's examples compile: each ```ts block is type-checked (strict) against the SDK's
// sources, with the names the first examples introduce declared for the later ones.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const PRELUDE = `
import type { SwitchboardClient, Realtime, Channel } from '@switchboard/sdk';
declare const client: SwitchboardClient;
declare const realtime: Realtime;
declare const channel: Channel;
declare const token: string;
export {};
`;

describe('README examples', () => {
  it('every ts block type-checks', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(blocks.length >= 12, `only ${blocks.length} examples`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-readme-'));
    try {
      blocks.forEach((code, i) => {
        const imports = code.split('\n').filter((l) => l.startsWith('import '));
        const body = code.split('\n').filter((l) => !l.startsWith('import ')).join('\n');
        // Blocks that define client/realtime/channel themselves shadow the prelude's.
        const prelude = PRELUDE.split('\n')
          .filter((l) => !/declare const (\w+)/.test(l) || !new RegExp(`const ${/declare const (\w+)/.exec(l)![1]}\\b`).test(body))
          .join('\n');
        fs.writeFileSync(path.join(dir, `example_${i}.ts`), `${imports.join('\n')}\n${prelude}\nasync function example(): Promise<void> {\n${body}\n}\nvoid example;\n`);
      });
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], types: [],
            strict: true, noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true, noUnusedLocals: false,
            baseUrl: '.', paths: { '@switchboard/sdk': [path.join(ROOT, 'src', 'index.ts')] },
          },
          include: ['*.ts'],
        }),
      );
      try {
        execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
      } catch (err) {
        const out = (err as { stdout?: string }).stdout ?? String(err);
        assert.fail(`README examples do not compile:\n${out}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
