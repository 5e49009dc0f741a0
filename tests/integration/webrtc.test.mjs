// WebRTC rooms (docs/webrtc.md): the REST API and its errors, signaling over native connections
// (join answers, targeted relay, media state, leave, reconnect grace), TURN credentials in coturn's
// use-auth-secret scheme, and the webrtc.* webhooks. Media itself is tested in Chromium
// (tests/e2e/webrtc.test.mjs). Not a soketi feature.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { SKIP_ALL, ON_SOKETI, HOST, useServer, openRaw, appUrl, dataOf, httpRequest, makeApp, delay, withTimeout } from './harness.mjs';

const SKIP = SKIP_ALL || (ON_SOKETI ? 'soketi has no WebRTC rooms' : false);
const app = makeApp(1);
const other = makeApp(2);
const TURN_SECRET = 'turn-test-secret';

async function api(srv, method, reqPath, body, { a = app, apiKey = a.secret, contentType = 'application/json' } = {}) {
  const headers = { 'x-app-id': a.id, 'x-api-key': apiKey, host: `localhost:${srv.port}` };
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await httpRequest(`${srv.httpUrl}${reqPath}`, {
    method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  let json;
  try { json = res.text ? JSON.parse(res.text) : undefined; } catch { json = undefined; }
  return { ...res, body: json };
}

const roomDoc = (attributes) => ({ data: { type: 'webrtc_rooms', attributes } });

async function createRoom(srv, attributes = {}, a = app) {
  const res = await api(srv, 'POST', '/v1/realtime/webrtc/rooms', roomDoc(attributes), { a });
  assert.equal(res.status, 201, res.text);
  return res.body.data;
}

async function peer(srv, key = app.key) {
  const c = openRaw(appUrl(srv, key, 'protocol=7&client=switchboard-js&version=1.0.0&extensions=native'));
  await c.next('pusher:connection_established');
  return c;
}

/** Sends switchboard:webrtc:join and resolves the joined answer or the error frame. */
async function join(c, roomId, data) {
  c.send({ event: 'switchboard:webrtc:join', channel: roomId, data });
  const m = await c.next((f) => f.channel === roomId && (f.event === 'switchboard:webrtc:joined' || f.event === 'switchboard:webrtc:error'));
  return { event: m.event, data: dataOf(m) };
}

async function joined(c, room, extra = {}) {
  const r = await join(c, room.id, { token: room.attributes.token, ...extra });
  assert.equal(r.event, 'switchboard:webrtc:joined', JSON.stringify(r.data));
  return r.data;
}

function b64url(s) { return Buffer.from(s).toString('base64url'); }
function forgeRoomToken(claims, secret) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

describe('webrtc rooms', { skip: SKIP }, () => {
  const srv = useServer({
    apps: [app, other],
    config: {
      webrtc: {
        stun_urls: ['stun:127.0.0.1:34780'],
        turn_urls: ['turn:127.0.0.1:34780?transport=udp'],
        turn_secret: TURN_SECRET,
        reconnect_grace: 2,
      },
    },
  });

  it('creates a room answering the seed\'s document: id, join_url on this server, a signed token, settings', async () => {
    const settings = { video: { enabled: true, quality: 'hd' }, audio: { enabled: true, noise_suppression: true }, screen_sharing: { enabled: true } };
    const room = await createRoom(srv, { name: 'Team Meeting', max_participants: 10, settings });
    assert.match(room.id, /^room_[a-z0-9]+$/);
    assert.equal(room.type, 'webrtc_rooms');
    const a = room.attributes;
    assert.equal(a.name, 'Team Meeting');
    assert.equal(a.max_participants, 10);
    assert.equal(a.recording_enabled, false);
    assert.deepEqual(a.settings, settings);
    assert.ok(a.join_url.startsWith(`http://localhost:${srv.port}/demo/call?room=${room.id}&key=${app.key}#token=`), a.join_url);
    const [, payload] = a.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    assert.equal(claims.room, room.id);
    assert.equal(claims.iss, app.id);
    assert.ok(claims.exp > Date.now() / 1000);
    assert.match(a.created_at, /^\d{4}-\d\d-\d\dT/);

    const got = await api(srv, 'GET', `/v1/realtime/webrtc/rooms/${room.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.data.attributes.token, a.token);
    const list = await api(srv, 'GET', '/v1/realtime/webrtc/rooms');
    assert.ok(list.body.data.some((r) => r.id === room.id));
    const patched = await api(srv, 'PATCH', `/v1/realtime/webrtc/rooms/${room.id}`, roomDoc({ name: 'Renamed', settings: { video: { quality: 'sd' } } }));
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.data.attributes.name, 'Renamed');
    assert.equal(patched.body.data.attributes.settings.video.quality, 'sd');
    assert.equal(patched.body.data.attributes.settings.audio.noise_suppression, true);
    // Another app does not see it.
    assert.equal((await api(srv, 'GET', `/v1/realtime/webrtc/rooms/${room.id}`, undefined, { a: other })).status, 404);
  });

  it('refuses bad room requests with JSON:API errors naming the field', async () => {
    const cases = [
      [{ max_participants: 0 }, 400, 'invalid_request', '/data/attributes/max_participants'],
      [{ max_participants: 1000 }, 400, 'invalid_request', '/data/attributes/max_participants'],
      [{ name: 42 }, 400, 'invalid_request', '/data/attributes/name'],
      [{ settings: { video: { quality: '8k' } } }, 400, 'invalid_request', '/data/attributes/settings/video/quality'],
      [{ settings: { audio: { noise_suppression: 'yes' } } }, 400, 'invalid_request', '/data/attributes/settings/audio/noise_suppression'],
      [{ colour: 'blue' }, 400, 'invalid_request', '/data/attributes/colour'],
      [{ recording_enabled: true }, 422, 'recording_unavailable', '/data/attributes/recording_enabled'],
    ];
    for (const [attributes, status, code, pointer] of cases) {
      const res = await api(srv, 'POST', '/v1/realtime/webrtc/rooms', roomDoc(attributes));
      assert.equal(res.status, status, `${JSON.stringify(attributes)}: ${res.text}`);
      assert.equal(res.body.errors[0].code, code);
      assert.equal(res.body.errors[0].status, String(status));
      assert.equal(res.body.errors[0].source.pointer, pointer);
      assert.ok(res.body.errors[0].detail.length > 0);
    }
    const text = await api(srv, 'POST', '/v1/realtime/webrtc/rooms', 'name=x', { contentType: 'text/plain' });
    assert.equal(text.status, 415);
    const pub = await api(srv, 'POST', '/v1/realtime/webrtc/rooms', roomDoc({}), { apiKey: app.key });
    assert.equal(pub.status, 401);
    assert.equal(pub.body.errors[0].code, 'invalid_api_key');
    const missing = await api(srv, 'GET', '/v1/realtime/webrtc/rooms/room_nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.errors[0].code, 'room_not_found');
  });

  it('lists recordings: 404 for an unknown room, an empty list for a room that does not record', async () => {
    const unknown = await api(srv, 'GET', '/v1/realtime/webrtc/rooms/room_nope/recordings');
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.body.errors[0].code, 'room_not_found');
    const room = await createRoom(srv, { name: 'No recording' });
    const res = await api(srv, 'GET', `/v1/realtime/webrtc/rooms/${room.id}/recordings`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data, []);
    assert.equal(res.body.meta.count, 0);
    // Another app cannot probe it either.
    assert.equal((await api(srv, 'GET', `/v1/realtime/webrtc/rooms/${room.id}/recordings`, undefined, { a: other })).status, 404);
  });

  it('joins over the connection: participant list, ICE servers with coturn credentials, participant:joined for the others', async () => {
    const room = await createRoom(srv, { max_participants: 4 });
    const a = await peer(srv);
    const b = await peer(srv);
    const ja = await joined(a, room, { user_id: 'alice', user_data: { name: 'Alice' } });
    assert.match(ja.participant_id, /^p_/);
    assert.deepEqual(ja.participants, []);
    assert.equal(ja.room.id, room.id);
    assert.deepEqual(ja.ice_servers[0], { urls: ['stun:127.0.0.1:34780'] });
    const turn = ja.ice_servers[1];
    assert.deepEqual(turn.urls, ['turn:127.0.0.1:34780?transport=udp']);
    const [expiry, user] = turn.username.split(':');
    assert.equal(user, 'alice');
    assert.ok(Number(expiry) > Date.now() / 1000 + 3600, 'credentials last');
    assert.equal(turn.credential, crypto.createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));

    const jb = await joined(b, room, { user_id: 'bob', audio: false });
    assert.equal(jb.participants.length, 1);
    assert.equal(jb.participants[0].id, ja.participant_id);
    assert.deepEqual(jb.participants[0].user_data, { name: 'Alice' });
    const seen = dataOf(await a.next('switchboard:webrtc:participant:joined'));
    assert.equal(seen.id, jb.participant_id);
    assert.equal(seen.user_id, 'bob');
    assert.equal(seen.audio, false);

    const people = await api(srv, 'GET', `/v1/realtime/webrtc/rooms/${room.id}/participants`);
    assert.equal(people.status, 200);
    assert.deepEqual(people.body.data.map((p) => p.attributes.user_id).sort(), ['alice', 'bob']);
    assert.equal(people.body.data[0].type, 'webrtc_participants');
    assert.equal((await join(a, room.id, { token: room.attributes.token })).data.code, 'already_joined');
  });

  it('relays offers, answers and candidates only to the named member, and media changes to everyone else', async () => {
    const room = await createRoom(srv);
    const elsewhere = await createRoom(srv);
    const [a, b, c, d] = [await peer(srv), await peer(srv), await peer(srv), await peer(srv)];
    const ja = await joined(a, room);
    const jb = await joined(b, room);
    await joined(c, room);
    const jd = await joined(d, elsewhere);
    const offer = { description: { type: 'offer', sdp: 'v=0\r\n' } };
    a.send({ event: 'switchboard:webrtc:signal', channel: room.id, data: { to: jb.participant_id, signal: offer } });
    const got = await b.next('switchboard:webrtc:signal');
    assert.equal(got.channel, room.id);
    assert.deepEqual(dataOf(got), { from: ja.participant_id, signal: offer });
    // A participant of another room is not reachable, nor is anyone before joining.
    a.send({ event: 'switchboard:webrtc:signal', channel: room.id, data: { to: jd.participant_id, signal: offer } });
    const err = dataOf(await a.next('switchboard:webrtc:error'));
    assert.equal(err.code, 'participant_not_found');
    d.send({ event: 'switchboard:webrtc:signal', channel: room.id, data: { to: ja.participant_id, signal: offer } });
    assert.equal(dataOf(await d.next('switchboard:webrtc:error')).code, 'not_joined');
    a.send({ event: 'switchboard:webrtc:signal', channel: room.id, data: { to: jb.participant_id } });
    assert.equal(dataOf(await a.next('switchboard:webrtc:error')).code, 'invalid_request');

    a.send({ event: 'switchboard:webrtc:media', channel: room.id, data: { audio: false, video: true, screen: false } });
    for (const x of [b, c]) {
      const m = dataOf(await x.next('switchboard:webrtc:media'));
      assert.equal(m.participant_id, ja.participant_id);
      assert.equal(m.audio, false);
    }
    await Promise.all([a.barrier(), c.barrier(), d.barrier()]);
    assert.equal(c.pending('switchboard:webrtc:signal').length, 0, 'c saw nothing addressed to b');
    assert.equal(a.pending('switchboard:webrtc:media').length, 0, 'not echoed');
    assert.equal(d.pending('switchboard:webrtc:media').length, 0, 'other rooms see nothing');

    b.send({ event: 'switchboard:webrtc:leave', channel: room.id, data: {} });
    await b.next('switchboard:webrtc:left');
    for (const x of [a, c]) {
      const left = dataOf(await x.next('switchboard:webrtc:participant:left'));
      assert.equal(left.id, jb.participant_id);
      assert.equal(left.reason, 'left');
    }
  });

  it('refuses the participant after max_participants with room_full', async () => {
    const room = await createRoom(srv, { max_participants: 2 });
    await joined(await peer(srv), room);
    await joined(await peer(srv), room);
    const third = await join(await peer(srv), room.id, { token: room.attributes.token });
    assert.equal(third.event, 'switchboard:webrtc:error');
    assert.equal(third.data.code, 'room_full');
    assert.equal(third.data.status, 409);
    assert.match(third.data.detail, /full/);
  });

  it('refuses a wrong, forged or expired room token and unknown rooms', async () => {
    const room = await createRoom(srv);
    const another = await createRoom(srv);
    const c = await peer(srv);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: app.id, env: 'production', room: room.id, iat: now - 100, exp: now + 600, typ: 'webrtc_room' };
    const cases = [
      [another.attributes.token, /another room/],
      [forgeRoomToken(claims, 'not-the-secret'), /signature/],
      [forgeRoomToken({ ...claims, exp: now - 1 }, app.secret), /expired/],
      [forgeRoomToken({ ...claims, iss: other.id }, app.secret), /another app/],
      ['garbage', /well-formed/],
    ];
    for (const [token, why] of cases) {
      const r = await join(c, room.id, { token });
      assert.equal(r.data.code, 'invalid_token', token);
      assert.equal(r.data.status, 401);
      assert.match(r.data.detail, why);
    }
    // A token made with a short lifetime stops working once it expires.
    const brief = await createRoom(srv, { token_expires_in: 1 });
    await delay(2100);
    const late = await join(c, brief.id, { token: brief.attributes.token });
    assert.equal(late.data.code, 'invalid_token');
    assert.match(late.data.detail, /expired/);
    assert.equal((await join(c, 'room_nope', { token: room.attributes.token })).data.code, 'room_not_found');
  });

  it('DELETE ends the call for everyone; the room is gone afterwards', async () => {
    const room = await createRoom(srv);
    const a = await peer(srv);
    const b = await peer(srv);
    await joined(a, room);
    await joined(b, room);
    const del = await api(srv, 'DELETE', `/v1/realtime/webrtc/rooms/${room.id}`);
    assert.equal(del.status, 204);
    for (const x of [a, b]) assert.equal(dataOf(await x.next('switchboard:webrtc:ended')).reason, 'room_ended');
    const again = await join(await peer(srv), room.id, { token: room.attributes.token });
    assert.equal(again.data.code, 'room_not_found');
    assert.equal((await api(srv, 'GET', `/v1/realtime/webrtc/rooms/${room.id}`)).status, 404);
    assert.equal((await api(srv, 'DELETE', `/v1/realtime/webrtc/rooms/${room.id}`)).status, 404);
  });

  it('keeps a dropped participant for the grace period: a rejoin keeps its id, silence removes it', async () => {
    const room = await createRoom(srv);
    const a = await peer(srv);
    const b = await peer(srv);
    const ja = await joined(a, room, { user_id: 'alice' });
    await joined(b, room);
    a.terminate();
    const a2 = await peer(srv);
    const again = await joined(a2, room, { participant_id: ja.participant_id, rejoin_key: ja.rejoin_key });
    assert.equal(again.participant_id, ja.participant_id);
    assert.equal(again.rejoined, true);
    const back = dataOf(await b.next('switchboard:webrtc:participant:joined'));
    assert.equal(back.id, ja.participant_id);
    assert.equal(back.rejoined, true);
    // A wrong key cannot take a participant over.
    const thief = await join(await peer(srv), room.id, { token: room.attributes.token, participant_id: ja.participant_id, rejoin_key: 'x' });
    assert.equal(thief.data.code, 'invalid_rejoin');
    // Dropped for good: gone after the grace period (2 s here).
    a2.terminate();
    const left = dataOf(await b.next('switchboard:webrtc:participant:left', 6000));
    assert.equal(left.id, ja.participant_id);
    assert.equal(left.reason, 'timeout');
    assert.equal(b.pending('switchboard:webrtc:participant:left').length, 0);
  });

  it('sends webrtc.room.created, webrtc.participant.joined and webrtc.participant.left webhooks', async () => {
    const received = [];
    const receiver = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (x) => chunks.push(x));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString()));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise((r) => receiver.listen(0, HOST, r));
    try {
      const hook = await api(srv, 'POST', '/v1/realtime/webhooks', {
        data: { type: 'webhooks', attributes: { url: `http://${HOST}:${receiver.address().port}/hooks`, events: ['webrtc.room.created', 'webrtc.participant.joined', 'webrtc.participant.left'] } },
      });
      assert.equal(hook.status, 201, hook.text);
      const room = await createRoom(srv, { name: 'Hooked' });
      const a = await peer(srv);
      const ja = await joined(a, room, { user_id: 'alice' });
      a.send({ event: 'switchboard:webrtc:leave', channel: room.id, data: {} });
      await a.next('switchboard:webrtc:left');
      const types = () => received.filter((e) => e.data.room_id === room.id).map((e) => e.type);
      await withTimeout((async () => { while (types().length < 3) await delay(50); })(), 15_000, 'three webrtc webhooks');
      assert.deepEqual(types().sort(), ['webrtc.participant.joined', 'webrtc.participant.left', 'webrtc.room.created']);
      const created = received.find((e) => e.type === 'webrtc.room.created' && e.data.room_id === room.id);
      assert.equal(created.data.name, 'Hooked');
      const left = received.find((e) => e.type === 'webrtc.participant.left' && e.data.room_id === room.id);
      assert.equal(left.data.participant_id, ja.participant_id);
      assert.equal(left.data.user_id, 'alice');
      assert.equal(left.data.reason, 'left');
      await api(srv, 'DELETE', `/v1/realtime/webhooks/${hook.body.data.id}`);
    } finally {
      receiver.close();
    }
  });
});
