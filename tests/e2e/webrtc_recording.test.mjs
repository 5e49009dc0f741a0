// Recording a WebRTC room through Janus (docs/webrtc.md "Recording"), for real: Debian's janus
// (scripts/services/janus) and janus-pp-rec, our server with webrtc.janus_url, and the call demo
// (web/call, on sdk/js) in Chromium with a fake camera and microphone. A participant joins a room
// with recording_enabled, so the SDK also publishes to the room's Janus VideoRoom; the room is
// deleted; the recordings listing then holds a playable WebM video (EBML header, non-empty,
// downloadable with the secret key) and webrtc.recording.ready reaches a webhook receiver. The
// same when the last participant leaves instead: the room stays, its recordings are listed.
//
// Like webrtc.test.mjs it re-runs itself in a private network namespace (`unshare -n`, or `-rn`
// rootless). Janus (libnice) never gathers ICE candidates on loopback, so the namespace also gets
// one isolated veth address, 10.99.0.1, with no route anywhere (/work/shared/recipes/webrtc.md).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
const JANUS = path.join(REPO, 'scripts', 'services', 'janus');
const JANUS_PORT = 38088;
const APP = { id: '44', key: 'pk_test_rec', secret: 'sk_test_rec' };
const IN_NETNS = process.env.SB_E2E_NETNS === '1';

function missing() {
  if (!fs.existsSync(SERVER_BIN)) return `no server binary at ${SERVER_BIN}`;
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  if (spawnSync('sh', ['-c', 'command -v janus && command -v janus-pp-rec && command -v unshare && command -v ip'], { stdio: 'ignore' }).status !== 0) {
    return 'needs janus, janus-pp-rec (janus-tools), unshare (util-linux) and ip (iproute2)';
  }
  return false;
}
const SKIP = missing();

if (!IN_NETNS) {
  describe('webrtc recording (in a private network namespace)', { skip: SKIP }, () => {
    it('passes inside `unshare -n`', () => {
      const root = process.getuid?.() === 0;
      const setup = 'ip link set lo up && ip link add v0 type veth peer name v1 && ip addr add 10.99.0.1/24 dev v0 && ip link set v0 up && ip link set v1 up';
      const res = spawnSync(
        'unshare',
        [root ? '-n' : '-rn', 'sh', '-c', `${setup} && exec "$0" --test --test-reporter=spec --test-timeout=150000 "$1"`, process.execPath, SELF],
        // NODE_TEST_CONTEXT would make the inner `node --test` skip its files as a nested run.
        { stdio: 'inherit', env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), SB_E2E_NETNS: '1' }, timeout: 180_000 },
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

function request(url, { method = 'GET', headers = {}, body, raw = false } = {}) {
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
          const bytes = Buffer.concat(chunks);
          const text = raw ? '' : bytes.toString();
          let json;
          try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
          resolve({ status: res.statusCode, headers: res.headers, bytes, text, body: json });
        });
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

async function startRecordingServer(janusUrl) {
  const server = await startServer({
    prefix: 'sb-e2e-rec-',
    app: APP,
    config: ['[demo]', `web_dir = ${JSON.stringify(WEB)}`, '[webrtc]', `janus_url = ${JSON.stringify(janusUrl)}`],
  });
  return { ...server, recordings: path.join(server.dataDir, 'recordings') };
}

// /work/shared/recipes/webrtc.md
const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--mute-audio',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints,NetworkTimeServiceQuerying,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,HttpsUpgrades',
];

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

/** Every file under `dir` with its size (the .mjr files Janus writes while it records). */
function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => ({ path: f, name: path.basename(f), size: fs.statSync(f).size }));
}

function runInNamespace() {
  describe('webrtc recording through Janus', { skip: SKIP }, () => {
    let server;
    let browser;
    let janusUrl;
    let receiver;
    const hooks = [];
    const janusDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-janus-'));
    const auth = { 'x-app-id': APP.id, 'x-api-key': APP.secret };

    before(async () => {
      const { chromium } = await import('playwright-core');
      buildDemo();
      const janus = spawnSync(JANUS, ['start', '--port', String(JANUS_PORT), '--dir', janusDir], { encoding: 'utf8' });
      assert.equal(janus.status, 0, `janus did not start: ${janus.stderr}`);
      janusUrl = janus.stdout.trim();
      server = await startRecordingServer(janusUrl);
      receiver = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (x) => chunks.push(x));
        req.on('end', () => {
          hooks.push(JSON.parse(Buffer.concat(chunks).toString()));
          res.writeHead(200).end('ok');
        });
      });
      await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
      const hook = await request(`${server.url}/v1/realtime/webhooks`, {
        method: 'POST',
        headers: auth,
        body: { data: { type: 'webhooks', attributes: { url: `http://127.0.0.1:${receiver.address().port}/hooks`, events: ['webrtc.recording.ready'] } } },
      });
      assert.equal(hook.status, 201, hook.text);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: false, args: CHROMIUM_ARGS });
    });

    after(async () => {
      await browser?.close();
      receiver?.close();
      await server?.stop();
      spawnSync(JANUS, ['stop', '--port', String(JANUS_PORT), '--dir', janusDir], { stdio: 'ignore' });
      fs.rmSync(janusDir, { recursive: true, force: true });
    });

    async function createRecordingRoom(name) {
      const created = await request(`${server.url}/v1/realtime/webrtc/rooms`, {
        method: 'POST',
        headers: auth,
        body: { data: { type: 'webrtc_rooms', attributes: { name, recording_enabled: true } } },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.data.attributes.recording_enabled, true);
      return created.body.data;
    }

    async function openPage(room, name) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const lines = [];
      page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
      const [base, fragment] = room.attributes.join_url.split('#');
      await page.goto(`${base}&name=${name}#${fragment}`);
      await page.locator('body[data-state=joined]').waitFor({ timeout: 15_000 });
      return { context, page, lines };
    }

    /** Until Janus's .mjr of the room's video holds a few seconds of frames (a size, not a duration). */
    async function recorded(room, lines) {
      await waitFor(`Janus recording the video of ${room.id} (console: ${lines.slice(-8).join(' | ')})`, async () => {
        const files = filesUnder(server.recordings).filter((f) => f.path.includes(room.id));
        return { ok: files.some((f) => f.name.endsWith('.mjr') && f.name.includes('-video-') && f.size > 60_000), value: files };
      }, 60_000);
    }

    async function listing(room, what) {
      return waitFor(what, async () => {
        const res = await request(`${server.url}/v1/realtime/webrtc/rooms/${room.id}/recordings`, { headers: auth });
        const ok = res.status === 200 && res.body.data.some((r) => r.attributes.kind === 'video');
        return { ok, value: ok ? res.body : { status: res.status, text: res.text, logs: server.logs().slice(-2000) } };
      }, 60_000);
    }

    it('records a participant, converts on room end, lists and serves a playable WebM, sends webrtc.recording.ready', async () => {
      const room = await createRecordingRoom('Recorded call');
      const { context, lines } = await openPage(room, 'Rita');

      // Janus writes one .mjr per track while the SDK publishes; wait until the video one holds
      // a few seconds of frames (a size, not a duration: the fake camera's pace may vary).
      await recorded(room, lines);

      const del = await request(`${server.url}/v1/realtime/webrtc/rooms/${room.id}`, { method: 'DELETE', headers: auth });
      assert.equal(del.status, 204, del.text);

      // The room is gone, its recordings are not: listed once janus-pp-rec is done.
      assert.equal((await request(`${server.url}/v1/realtime/webrtc/rooms/${room.id}`, { headers: auth })).status, 404);
      const list = await listing(room, 'a converted video recording after DELETE');
      const video = list.data.find((r) => r.attributes.kind === 'video');
      assert.equal(video.type, 'webrtc_recordings');
      assert.match(video.attributes.file_name, /\.webm$/);
      assert.ok(video.attributes.size > 0);
      assert.ok(!Number.isNaN(Date.parse(video.attributes.created_at)));
      assert.ok(video.attributes.download_url.startsWith(server.url));
      const audio = list.data.find((r) => r.attributes.kind === 'audio');
      assert.ok(audio, `an audio recording too: ${JSON.stringify(list.data)}`);
      assert.match(audio.attributes.file_name, /\.opus$/);

      // The download: the secret key is needed (the public key is refused); the bytes are a WebM
      // (EBML magic 1A 45 DF A3).
      const withPublicKey = await request(video.attributes.download_url, { headers: { 'x-app-id': APP.id, 'x-api-key': APP.key } });
      assert.equal(withPublicKey.status, 401, withPublicKey.text);
      const file = await request(video.attributes.download_url, { headers: auth, raw: true });
      assert.equal(file.status, 200);
      assert.equal(file.headers['content-type'], 'video/webm');
      assert.equal(file.bytes.length, video.attributes.size);
      assert.deepEqual([...file.bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3]);

      // webrtc.recording.ready for each file, through the webhook service.
      const ready = await waitFor('webrtc.recording.ready webhooks', async () => {
        const got = hooks.filter((h) => h.type === 'webrtc.recording.ready' && h.data.room_id === room.id);
        return { ok: got.length === list.data.length, value: got };
      });
      const hookVideo = ready.find((h) => h.data.file_name === video.attributes.file_name);
      assert.ok(hookVideo, JSON.stringify(ready));
      assert.equal(hookVideo.data.kind, 'video');
      assert.equal(hookVideo.data.size, video.attributes.size);
      assert.equal(hookVideo.data.download_url, video.attributes.download_url);

      const errors = lines.filter((l) => l.startsWith('pageerror'));
      assert.deepEqual(errors, []);
      await context.close();
    });

    it('ends the recording when the last participant leaves: the room stays, its recordings are listed', async () => {
      const room = await createRecordingRoom('Left alone');
      const rita = await openPage(room, 'Rita');
      await recorded(room, rita.lines);
      await rita.page.click('#leave');
      const list = await listing(room, 'a converted video recording after the last leave');
      const video = list.data.find((r) => r.attributes.kind === 'video');
      assert.match(video.attributes.file_name, /\.webm$/);
      assert.ok(video.attributes.size > 0);
      assert.equal((await request(`${server.url}/v1/realtime/webrtc/rooms/${room.id}`, { headers: auth })).status, 200);
      await waitFor('webrtc.recording.ready after the last leave', async () => {
        const got = hooks.filter((h) => h.type === 'webrtc.recording.ready' && h.data.room_id === room.id);
        return { ok: got.some((h) => h.data.file_name === video.attributes.file_name), value: got };
      });
      assert.deepEqual(rita.lines.filter((l) => l.startsWith('pageerror')), []);
      await rita.context.close();
    });
  });
}
