// Compile sources and tests with tsc (type-checked), then run node's test runner.
//   node scripts/test.mjs unit         src/**/*.test.ts (fake transport, no server)
//   node scripts/test.mjs integration  test/integration/*.test.ts (the real server binary)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, '.test-build');
const kind = process.argv[2] ?? 'unit';
const filters = process.argv.slice(3);

fs.rmSync(OUT, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json')], {
  stdio: 'inherit',
});
fs.writeFileSync(path.join(OUT, 'package.json'), '{"type":"module"}\n');

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(path.join(dir, d.name)) : d.name.endsWith('.test.js') ? [path.join(dir, d.name)] : [],
  );
}

const dir = kind === 'integration' ? path.join(OUT, 'test', 'integration') : path.join(OUT, 'src');
let files = walk(dir).sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no ${kind} tests found under ${path.relative(ROOT, dir)}`);
  process.exit(1);
}
const args = ['--enable-source-maps', '--test', '--test-reporter=spec'];
// Integration: one file at a time (each starts its own server); a test that waits on a dead
// server fails after 60 s instead of holding the run.
if (kind === 'integration') args.push('--test-concurrency=1', '--test-timeout=60000', '--test-force-exit');
const res = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit', cwd: ROOT });
process.exit(res.status ?? 1);
