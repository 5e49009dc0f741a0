// Build: ESM + CJS for Node and bundlers, a browser ESM with no `ws` reference, .d.ts (tsc),
// and the demo bundles (web/chat/dist/chat.js, web/call/dist/call.js). `--demo-only` builds only the demos.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(ROOT, '..', '..');
const DIST = path.join(ROOT, 'dist');
const DEMOS = [
  { dir: path.join(REPO, 'web', 'chat'), bundle: 'chat.js' },
  { dir: path.join(REPO, 'web', 'call'), bundle: 'call.js' },
];
const demoOnly = process.argv.includes('--demo-only');

/** Browser builds: node_websocket.ts -> node_websocket.browser.ts (no `ws` import at all). */
const browserTransport = {
  name: 'browser-transport',
  setup(build) {
    build.onResolve({ filter: /node_websocket\.js$/ }, (args) => ({
      path: path.join(path.dirname(args.importer), 'node_websocket.browser.ts'),
    }));
  },
};

/** The demo imports '@switchboard/sdk': bundle the SDK sources. */
const sdkAlias = {
  name: 'sdk-alias',
  setup(build) {
    build.onResolve({ filter: /^@switchboard\/sdk$/ }, () => ({ path: path.join(ROOT, 'src', 'index.ts') }));
  },
};

const common = {
  entryPoints: [path.join(ROOT, 'src', 'index.ts')],
  bundle: true,
  target: 'es2020',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};

function assertNoWs(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (/\bfrom\s*["']ws["']|import\(\s*["']ws["']\s*\)|require\(\s*["']ws["']\s*\)/.test(text)) {
    throw new Error(`${path.relative(REPO, file)} references the ws package: the browser build must not`);
  }
}

async function buildSdk() {
  fs.rmSync(DIST, { recursive: true, force: true });
  await esbuild.build({ ...common, format: 'esm', platform: 'neutral', external: ['ws'], outfile: path.join(DIST, 'index.js') });
  await esbuild.build({ ...common, format: 'cjs', platform: 'node', external: ['ws'], outfile: path.join(DIST, 'index.cjs') });
  await esbuild.build({ ...common, format: 'esm', platform: 'browser', plugins: [browserTransport], outfile: path.join(DIST, 'browser.js') });
  assertNoWs(path.join(DIST, 'browser.js'));
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  console.log(`built ${path.relative(REPO, DIST)}/ (index.js, index.cjs, browser.js, types/)`);
}

async function buildDemo({ dir: DEMO, bundle }) {
  const out = path.join(DEMO, 'dist');
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    ...common,
    entryPoints: [path.join(DEMO, 'src', 'main.ts')],
    format: 'esm',
    platform: 'browser',
    plugins: [sdkAlias, browserTransport],
    outfile: path.join(out, bundle),
    tsconfig: path.join(DEMO, 'tsconfig.json'),
  });
  assertNoWs(path.join(out, bundle));
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(DEMO, 'tsconfig.json'), '--noEmit'], {
    stdio: 'inherit',
  });
  console.log(`built ${path.relative(REPO, out)}/${bundle}`);
}

if (!demoOnly) await buildSdk();
for (const demo of DEMOS) if (fs.existsSync(path.join(demo.dir, 'src', 'main.ts'))) await buildDemo(demo);
