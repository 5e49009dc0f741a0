// The video call demo (web/call, built on sdk/js) in Debian's Chromium with fake camera,
// microphone and screen, against the real server, inside a private network namespace (only `lo`:
// no packet leaves the machine; /work/shared/recipes/webrtc.md):
//   - three participants in one room each decode video and receive audio from the two others;
//     a mute is seen by the others; a screen share replaces the video the others decode
//     (1280x720 fake screen); one leaves and the others see it and keep their call;
//   - the same call forced through coturn (iceTransportPolicy 'relay') with credentials from
//     our server; a forged and an expired credential get no relay candidate.
// Screenshots go to tests/e2e/artifacts/ (git-ignored).
//
// The file re-runs itself under `unshare -n` (as root) or `unshare -rn` (rootless) when it is not
// in a namespace yet. It starts coturn with scripts/services/coturn inside that namespace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_BIN, startServer } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const SELF = fileURLToPath(import.meta.url);
const SDK = path.join(REPO, 'sdk', 'js');
const WEB = path.join(REPO, 'web');
const BUNDLE = path.join(WEB, 'call', 'dist', 'call.js');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const COTURN = path.join(REPO, 'scripts', 'services', 'coturn');
const ARTIFACTS = path.join(HERE, 'artifacts');
const APP = { id: '43', key: 'pk_test_call', secret: 'sk_test_call' };
const TURN_PORT = 34780;
const TURN_SECRET = `turn-${crypto.randomBytes(8).toString('hex')}`;
const IN_NETNS = process.env.SB_E2E_NETNS === '1';

function missing() {
  if (!fs.existsSync(SERVER_BIN)) return `no server binary at ${SERVER_BIN}`;
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  if (spawnSync('sh', ['-c', 'command -v turnserver && command -v unshare && command -v ip'], { stdio: 'ignore' }).status !== 0) {
    return 'needs turnserver (coturn), unshare (util-linux) and ip (iproute2)';
  }
  return false;
}
const SKIP = missing();

if (!IN_NETNS) {
  // Outside a namespace: run this same file inside a fresh one and report its result.
  describe('webrtc call demo (in a private network namespace)', { skip: SKIP }, () => {
    it('passes inside `unshare -n`', () => {
      const root = process.getuid?.() === 0;
      const res = spawnSync(
        'unshare',
        [root ? '-n' : '-rn', 'sh', '-c', 'ip link set lo up && exec "$0" --test --test-reporter=spec --test-timeout=200000 "$1"', process.execPath, SELF],
        // NODE_TEST_CONTEXT would make the inner `node --test` skip its files as a nested run.
        { stdio: 'inherit', env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), SB_E2E_NETNS: '1' }, timeout: 230_000 },
      );
      assert.equal(res.status, 0, `the namespaced run failed (status ${res.status}, signal ${res.signal}, error ${res.error?.message ?? 'none'})`);
    });
  });
} else {
  runInNamespace();
}

function buildDemo() {
  const sources = [path.join(WEB, 'call', 'src'), path.join(SDK, 'src')].flatMap((d) =>
    fs.readdirSync(d).map((f) => fs.statSync(path.join(d, f)).mtimeMs),
  );
  if (fs.existsSync(BUNDLE) && fs.statSync(BUNDLE).mtimeMs >= Math.max(...sources)) return;
  assert.ok(fs.existsSync(path.join(SDK, 'node_modules', 'esbuild')), 'run npm ci in sdk/js first (the namespace has no network)');
  const res = spawnSync(process.execPath, [path.join(SDK, 'scripts', 'build.mjs'), '--demo-only'], { cwd: SDK, stdio: 'inherit' });
  assert.equal(res.status, 0, 'building the demo bundles failed');
}

function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: false,
        headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
          resolve({ status: res.statusCode, text, body: json });
        });
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function startCallServer() {
  return startServer({
    prefix: 'sb-e2e-call-',
    app: APP,
    config: [
      '[demo]',
      `web_dir = ${JSON.stringify(WEB)}`,
      '[webrtc]',
      `turn_urls = ["turn:127.0.0.1:${TURN_PORT}?transport=udp"]`,
      `turn_secret = ${JSON.stringify(TURN_SECRET)}`,
    ],
  });
}

// /work/shared/recipes/browser.md and webrtc.md
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--auto-select-desktop-capture-source=Entire screen',
  '--enable-usermedia-screen-capturing',
  '--mute-audio',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints,NetworkTimeServiceQuerying,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,HttpsUpgrades',
];

/** Inbound RTP per remote participant (by name): video frames decoded and size, audio packets, ICE pair. */
async function mediaStats(page) {
  return page.evaluate(async () => {
    const room = window.callRoom;
    const out = {};
    for (const [id, p] of room.participants) {
      const pc = room.peerConnection(id);
      const name = p.user_data?.name ?? p.user_id;
      const s = { framesDecoded: 0, width: 0, height: 0, packetsReceived: 0, localCandidateType: null, state: pc?.connectionState,
        signaling: pc?.signalingState, ice: pc?.iceConnectionState, gathering: pc?.iceGatheringState,
        local: pc?.localDescription?.type ?? null, remote: pc?.remoteDescription?.type ?? null, me: room.participantId, them: id };
      if (pc) {
        const report = await pc.getStats();
        const byId = new Map();
        report.forEach((r) => byId.set(r.id, r));
        report.forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video') {
            s.framesDecoded += r.framesDecoded ?? 0;
            s.width = r.frameWidth ?? s.width;
            s.height = r.frameHeight ?? s.height;
          }
          if (r.type === 'inbound-rtp' && r.kind === 'audio') s.packetsReceived += r.packetsReceived ?? 0;
          if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
            s.localCandidateType = byId.get(r.localCandidateId)?.candidateType ?? null;
          }
        });
      }
      out[name] = s;
    }
    return out;
  });
}

async function waitFor(what, check, timeoutMs = 30_000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last.ok) return last.value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last.value)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function runInNamespace() {
  describe('webrtc call demo in Chromium', { skip: SKIP }, () => {
    let server;
    let browser;
    let chromium;
    const turnDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-turn-'));

    before(async () => {
      ({ chromium } = await import('playwright-core'));
      buildDemo();
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      const turn = spawnSync(COTURN, ['start', '--port', String(TURN_PORT), '--dir', turnDir, '--secret', TURN_SECRET], { encoding: 'utf8' });
      assert.equal(turn.status, 0, `coturn did not start: ${turn.stderr}`);
      server = await startCallServer();
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: false, args: CHROMIUM_ARGS });
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
      spawnSync(COTURN, ['stop', '--port', String(TURN_PORT), '--dir', turnDir], { stdio: 'ignore' });
      fs.rmSync(turnDir, { recursive: true, force: true });
    });

    async function createRoom(attributes = {}) {
      const res = await request(`${server.url}/v1/realtime/webrtc/rooms`, {
        method: 'POST',
        headers: { 'x-app-id': APP.id, 'x-api-key': APP.secret },
        body: { data: { type: 'webrtc_rooms', attributes } },
      });
      assert.equal(res.status, 201, res.text);
      return res.body.data;
    }

    async function open(room, name, extra = '') {
      // The fake screen capturer captures the page at 16:9 of its width: 1280 wide gives 1280x720.
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      const lines = [];
      page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
      const [base, fragment] = room.attributes.join_url.split('#');
      await page.goto(`${base}&name=${name}${extra}#${fragment}`);
      const entry = { name, page, context, lines };
      try {
        await page.locator('body[data-state=joined]').waitFor({ timeout: 15_000 });
      } catch (err) {
        throw new Error(`${name} did not join: ${await page.locator('#error').textContent().catch(() => '')}\n${lines.slice(-10).join('\n')}`);
      }
      return entry;
    }

    /** Until `who` decodes video and receives audio from each of `from` (names). */
    async function flowing(who, from, { width, relay } = {}) {
      return waitFor(`${who.name} receiving from ${from.join(', ')} (console: ${who.lines.slice(-8).join(' | ')})`, async () => {
        const stats = await mediaStats(who.page);
        const ok = from.every((n) => {
          const s = stats[n];
          return s && s.framesDecoded > 0 && s.packetsReceived > 0 && (!width || s.width === width) &&
            (!relay || s.localCandidateType === 'relay');
        });
        return { ok, value: stats };
      });
    }

    it('serves the call page and its bundle', async () => {
      for (const p of ['/demo/call', '/demo/call/dist/call.js', '/demo/call/style.css']) {
        const res = await request(`${server.url}${p}`);
        assert.equal(res.status, 200, p);
      }
    });

    it('three participants: media both ways, mute, screen share, leave', async () => {
      const room = await createRoom({ name: 'E2E call', max_participants: 3 });
      const alice = await open(room, 'Alice');
      const bob = await open(room, 'Bob');
      const carol = await open(room, 'Carol');
      const all = [alice, bob, carol];
      const others = (p) => all.filter((x) => x !== p).map((x) => x.name);
      for (const p of all) await flowing(p, others(p));
      for (const p of all) {
        assert.equal(await p.page.locator('[data-testid=tile][data-local=false]').count(), 2, `${p.name} shows two remote tiles`);
        await p.page.screenshot({ path: path.join(ARTIFACTS, `webrtc-1-three-participants-${p.name.toLowerCase()}.png`) });
      }

      // Alice mutes: Bob and Carol see her muted icon.
      await alice.page.click('#mute');
      for (const p of [bob, carol]) {
        await p.page.locator('[data-testid=tile][data-name=Alice][data-audio=false] [data-testid=muted-icon]').waitFor({ state: 'visible', timeout: 10_000 });
      }

      // Bob shares his screen: Alice and Carol decode 1280x720 from him.
      await bob.page.click('#share');
      for (const p of [alice, carol]) {
        await flowing(p, ['Bob'], { width: 1280 });
        const s = (await mediaStats(p.page)).Bob;
        assert.equal(s.height, 720, `${p.name} decodes Bob's 1280x720 screen`);
        await p.page.locator('[data-testid=tile][data-name=Bob][data-screen=true]').waitFor({ timeout: 10_000 });
      }
      await alice.page.screenshot({ path: path.join(ARTIFACTS, 'webrtc-2-screen-share-alice.png') });

      // Carol leaves: the others see participant:left and keep their call.
      await carol.page.click('#leave');
      for (const p of [alice, bob]) {
        await p.page.locator('[data-testid=tile][data-name=Carol]').waitFor({ state: 'detached', timeout: 10_000 });
      }
      const before = await mediaStats(alice.page);
      await waitFor('Alice still decoding Bob after Carol left', async () => {
        const now = await mediaStats(alice.page);
        return { ok: now.Bob.framesDecoded > before.Bob.framesDecoded && !now.Carol, value: now };
      });
      const bobBefore = await mediaStats(bob.page);
      await waitFor('Bob still decoding Alice after Carol left', async () => {
        const now = await mediaStats(bob.page);
        return { ok: now.Alice.framesDecoded > bobBefore.Alice.framesDecoded, value: now };
      });
      await alice.page.screenshot({ path: path.join(ARTIFACTS, 'webrtc-3-after-leave-alice.png') });
      const errors = all.flatMap((p) => p.lines.filter((l) => l.startsWith('pageerror')));
      assert.deepEqual(errors, []);
      for (const p of all) await p.context.close();
    });

    it('the call through coturn only (relay) with credentials from the server', async () => {
      const room = await createRoom({ name: 'Relay call', max_participants: 3 });
      const alice = await open(room, 'Alice', '&relay=1');
      const bob = await open(room, 'Bob', '&relay=1');
      await flowing(alice, ['Bob'], { relay: true });
      await flowing(bob, ['Alice'], { relay: true });
      await alice.page.screenshot({ path: path.join(ARTIFACTS, 'webrtc-4-relay-alice.png') });
      for (const p of [alice, bob]) await p.context.close();
    });

    it('a forged or an expired TURN credential gets no relay candidate', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/demo/`);
      const now = Math.floor(Date.now() / 1000);
      const good = (username) => crypto.createHmac('sha1', TURN_SECRET).update(username).digest('base64');
      const cases = {
        valid: { username: `${now + 600}:probe`, credential: good(`${now + 600}:probe`) },
        forged: { username: `${now + 600}:probe`, credential: crypto.createHmac('sha1', 'wrong').update(`${now + 600}:probe`).digest('base64') },
        expired: { username: `${now - 600}:probe`, credential: good(`${now - 600}:probe`) },
      };
      const result = await page.evaluate(async ({ cases, url }) => {
        const gather = ({ username, credential }) => new Promise((resolve) => {
          const pc = new RTCPeerConnection({ iceServers: [{ urls: [url], username, credential }], iceTransportPolicy: 'relay' });
          const found = { relay: 0, errors: [] };
          pc.onicecandidate = (e) => {
            if (e.candidate && e.candidate.type === 'relay') found.relay++;
            if (!e.candidate) { pc.close(); resolve(found); }
          };
          pc.onicecandidateerror = (e) => found.errors.push(e.errorCode);
          pc.createDataChannel('probe');
          pc.createOffer().then((o) => pc.setLocalDescription(o));
        });
        const out = {};
        for (const [k, v] of Object.entries(cases)) out[k] = await gather(v);
        return out;
      }, { cases, url: `turn:127.0.0.1:${TURN_PORT}?transport=udp` });
      assert.ok(result.valid.relay > 0, JSON.stringify(result));
      assert.equal(result.forged.relay, 0, JSON.stringify(result));
      assert.ok(result.forged.errors.includes(401), JSON.stringify(result));
      assert.equal(result.expired.relay, 0, JSON.stringify(result));
      assert.ok(result.expired.errors.includes(401), JSON.stringify(result));
      await context.close();
    });
  });
}
