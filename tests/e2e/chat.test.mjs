// The chat demo (web/chat, built on sdk/js) in Debian's Chromium against the real server: two
// users in two browser contexts see each other in the members list, see typing, exchange
// messages, see read receipts, and one reloads and gets the history back. Screenshots go to
// tests/e2e/artifacts/ (git-ignored).
//
// Run: cd tests/e2e && npm ci && npm test   (needs `apt-get install -y chromium` and the server
// binary at build-ci/switchboard, or SWITCHBOARD_BIN; CHROMIUM_BIN overrides /usr/bin/chromium).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_BIN, startServer } from './server.mjs';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const SDK = path.join(REPO, 'sdk', 'js');
const WEB = path.join(REPO, 'web');
const BUNDLE = path.join(WEB, 'chat', 'dist', 'chat.js');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARTIFACTS = path.join(HERE, 'artifacts');
const APP = { id: '42', key: 'pk_test_demo', secret: 'sk_test_demo' };

function missing() {
  if (!fs.existsSync(SERVER_BIN)) return `no server binary at ${SERVER_BIN}`;
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  return false;
}
const SKIP = missing();

setTimeout(() => {
  process.stderr.write('e2e watchdog: still running after 240 s, aborting\n');
  process.exit(1);
}, 240_000).unref();

/** The demo bundle is a build product: build it (and install the SDK's tools) when needed. */
function buildDemo() {
  const sources = [path.join(WEB, 'chat', 'src'), path.join(SDK, 'src')].flatMap((d) =>
    fs.readdirSync(d).map((f) => fs.statSync(path.join(d, f)).mtimeMs),
  );
  if (fs.existsSync(BUNDLE) && fs.statSync(BUNDLE).mtimeMs >= Math.max(...sources)) return;
  if (!fs.existsSync(path.join(SDK, 'node_modules', 'esbuild'))) {
    const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: SDK, stdio: 'inherit' });
    assert.equal(ci.status, 0, 'npm ci in sdk/js failed');
  }
  const res = spawnSync(process.execPath, [path.join(SDK, 'scripts', 'build.mjs'), '--demo-only'], { cwd: SDK, stdio: 'inherit' });
  assert.equal(res.status, 0, 'building the demo bundle failed');
}

function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
}

async function startChatServer() {
  const server = await startServer({
    prefix: 'sb-e2e-',
    app: APP,
    config: ['[demo]', `web_dir = ${JSON.stringify(WEB)}`, `app = ${JSON.stringify(APP.id)}`],
  });
  for (let i = 0; i < 100 && (await get(`${server.url}/healthz`).catch(() => 0)) !== 200; i++) await new Promise((r) => setTimeout(r, 50));
  return server;
}

// /work/shared/recipes/browser.md
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints,NetworkTimeServiceQuerying,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,HttpsUpgrades',
];

describe('chat demo in Chromium', { skip: SKIP }, () => {
  let server;
  let browser;
  const pages = [];
  const room = `e2e-${Date.now().toString(36)}`;

  before(async () => {
    buildDemo();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    server = await startChatServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: false, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function open(user) {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(`${server.url}/demo/chat?user=${user}&room=${room}`);
    const entry = { user, page, context, consoleLines };
    pages.push(entry);
    return entry;
  }

  /** Why a page is not where the test expects it: its error box, status and console. */
  async function why(entry) {
    const text = async (sel) => (await entry.page.locator(sel).textContent().catch(() => '')) ?? '';
    const consoleTail = entry.consoleLines.slice(-15).join('\n').replace(/token=[^&'"\s]+/g, 'token=…');
    const dead = server.exited() ? `\nTHE SERVER EXITED (${server.exited()}):\n${server.logs().slice(-1500)}` : '';
    return `[${entry.user}] status="${await text('#status')}" error="${await text('#error')}"\nconsole:\n${consoleTail}${dead}`;
  }

  async function shot(entry, name) {
    await entry.page.screenshot({ path: path.join(ARTIFACTS, `${name}-${entry.user.toLowerCase()}.png`) });
  }

  async function expect(entry, what, fn, timeout = 10_000) {
    try {
      await fn();
    } catch (err) {
      await shot(entry, `failed-${what.replace(/\W+/g, '-')}`).catch(() => undefined);
      throw new Error(`${what}: ${err.message.split('\n')[0]}\n${await why(entry)}`);
    }
  }

  it('serves the demo page and its bundle', async () => {
    assert.equal(await get(`${server.url}/demo/chat`), 200, 'GET /demo/chat');
    assert.equal(await get(`${server.url}/demo/chat/dist/chat.js`), 200, 'GET /demo/chat/dist/chat.js');
  });

  it('without ?user the page asks for a name', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/chat?room=${room}`);
    await page.locator('[data-testid=login]').waitFor({ state: 'visible', timeout: 5000 });
    await context.close();
  });

  it('two users: members, typing, messages, read receipts, history after a reload', async () => {
    const alice = await open('Alice');
    const bob = await open('Bob');
    for (const u of [alice, bob]) {
      await expect(u, 'connected', () => u.page.locator('body[data-state=connected]').waitFor({ timeout: 10_000 }));
    }
    // Members list with presence.
    await expect(alice, 'Bob in Alice\'s members', () => alice.page.locator('[data-testid=member][data-user=bob]').waitFor({ timeout: 10_000 }));
    await expect(bob, 'Alice in Bob\'s members', () => bob.page.locator('[data-testid=member][data-user=alice]').waitFor({ timeout: 10_000 }));
    assert.equal(await alice.page.locator('#online-count').textContent(), '2 online');
    await shot(alice, '1-members');

    // Typing.
    await bob.page.locator('#input').pressSequentially('Hello Al', { delay: 30 });
    await expect(alice, 'typing indicator', () => alice.page.getByText('Bob is typing...').waitFor({ timeout: 5000 }));
    await shot(alice, '2-typing');

    // Messages both ways.
    await bob.page.locator('#input').pressSequentially('ice!', { delay: 10 });
    await bob.page.locator('#send').click();
    await expect(alice, 'Bob\'s message at Alice', () =>
      alice.page.locator('[data-testid=message][data-user=bob]', { hasText: 'Hello Alice!' }).waitFor({ timeout: 5000 }),
    );
    await expect(alice, 'typing indicator cleared', () => alice.page.getByText('Bob is typing...').waitFor({ state: 'hidden', timeout: 5000 }));
    await alice.page.locator('#input').fill('Hi Bob, how are you?');
    await alice.page.locator('#input').press('Enter');
    await expect(bob, 'Alice\'s message at Bob', () =>
      bob.page.locator('[data-testid=message][data-user=alice]', { hasText: 'Hi Bob, how are you?' }).waitFor({ timeout: 5000 }),
    );
    assert.equal(await bob.page.locator('[data-testid=message]', { hasText: 'Hello Alice!' }).count(), 1, 'the sender sees its message once');

    // Read receipts: each saw the other's message, so each own message is "read by 1".
    await expect(bob, 'read receipt on Bob\'s message', () =>
      bob.page.locator('[data-testid=message][data-user=bob] [data-testid=receipt]', { hasText: 'read by 1' }).waitFor({ timeout: 8000 }),
    );
    await expect(alice, 'read receipt on Alice\'s message', () =>
      alice.page.locator('[data-testid=message][data-user=alice] [data-testid=receipt]', { hasText: 'read by 1' }).waitFor({ timeout: 8000 }),
    );
    await shot(alice, '3-conversation');
    await shot(bob, '3-conversation');

    // Bob reloads: history comes back, oldest first (newest last), receipts restored.
    await bob.page.reload();
    await expect(bob, 'connected after reload', () => bob.page.locator('body[data-state=connected]').waitFor({ timeout: 10_000 }));
    await expect(bob, 'history after reload', () => bob.page.locator('[data-testid=message]').nth(1).waitFor({ timeout: 8000 }));
    const texts = await bob.page.locator('[data-testid=message] p').allTextContents();
    assert.deepEqual(texts, ['Hello Alice!', 'Hi Bob, how are you?'], await why(bob));
    await expect(bob, 'receipt restored from getReadStatus', () =>
      bob.page.locator('[data-testid=message][data-user=bob] [data-testid=receipt]', { hasText: 'read by 1' }).waitFor({ timeout: 8000 }),
    );
    await expect(alice, 'Bob still a member after his reload', () => alice.page.locator('[data-testid=member][data-user=bob]').waitFor({ timeout: 8000 }));
    await shot(bob, '4-after-reload');

    // Bob leaves: Alice's members list shrinks.
    await bob.context.close();
    await expect(alice, 'Bob left', () => alice.page.locator('[data-testid=member][data-user=bob]').waitFor({ state: 'detached', timeout: 10_000 }));
    await shot(alice, '5-bob-left');
    const errors = [...alice.consoleLines, ...bob.consoleLines].filter((l) => l.startsWith('pageerror'));
    assert.deepEqual(errors, []);
  });
});
