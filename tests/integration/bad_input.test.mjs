// Hostile and broken input: malformed JSON and envelopes (4300, connection
// stays), oversized (1009), binary (1003), invalid UTF-8 (1007), forged
// signatures; afterwards a normal pusher-js client still works.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, soketiFails, useServer, makeApp, openRaw, connectRaw, rawSubscribe, appUrl, dataOf, uniq, userAuth, hmacHex,
  pusherClient, pusherConnected, subscribed, nextEvent, serverSdk, signedRequest,
} from './harness.mjs';

/** The next frame must be pusher:error 4300 and the socket must stay usable. */
async function expect4300(raw, what) {
  const err = await raw.next((m) => m.event === 'pusher:error', 5000, `pusher:error for ${what}`);
  assert.equal(dataOf(err).code, 4300, `${what}: ${JSON.stringify(err)}`);
  await raw.barrier();
  assert.equal(raw.closeInfo, null, `${what}: the connection must stay open`);
}

describe('bad input', { skip: SKIP_ALL }, () => {
  // soketi ignores pusher:signin unless user authentication is switched on.
  const srv = useServer({ apps: [makeApp(1, { soketi: { enableUserAuthentication: true } })] });

  const malformed = {
    'truncated JSON': '{"event":"pusher:subscribe","data":{"channel":"x"',
    'not JSON at all': 'hello server',
    'an empty message': '',
    'a JSON array': '[1,2,3]',
    'a JSON number': '42',
    'a JSON string': '"pusher:ping"',
    'JSON null': 'null',
  };
  for (const [what, text] of Object.entries(malformed)) {
    it(`answers ${what} with pusher:error 4300 and keeps the connection`, { skip: soketiFails('ignores it, or crashes on non-object data') }, async () => {
      const raw = await connectRaw(srv);
      raw.send(text);
      await expect4300(raw, what);
      await raw.close();
    });
  }

  const badEnvelopes = {
    'a message without event': { data: { channel: 'x' } },
    'an event that is not a string': { event: 42, data: {} },
    'an unknown pusher: event': { event: 'pusher:dance', data: {} },
    'pusher:subscribe with numeric data': { event: 'pusher:subscribe', data: 5 },
    'pusher:subscribe with array data': { event: 'pusher:subscribe', data: ['channel', 'x'] },
    'pusher:unsubscribe with numeric data': { event: 'pusher:unsubscribe', data: 7 },
  };
  for (const [what, msg] of Object.entries(badEnvelopes)) {
    it(`answers ${what} with pusher:error 4300 and keeps the connection`, { skip: soketiFails('ignores it, or crashes on non-object data') }, async () => {
      const raw = await connectRaw(srv);
      raw.send(msg);
      await expect4300(raw, what);
      await raw.close();
    });
  }

  it('answers pusher:subscribe with a numeric channel with 4300 or InvalidChannel, and keeps the connection', { skip: soketiFails('crashes') }, async () => {
    const raw = await connectRaw(srv);
    raw.send({ event: 'pusher:subscribe', data: { channel: 12345 } });
    const answer = await raw.next((m) => m.event === 'pusher:error' || m.event === 'pusher:subscription_error', 5000, 'an error answer');
    if (answer.event === 'pusher:error') assert.equal(dataOf(answer).code, 4300, JSON.stringify(answer));
    else assert.equal(dataOf(answer).type, 'InvalidChannel', JSON.stringify(answer));
    await raw.barrier();
    await raw.close();
  });

  it('answers pusher:subscribe whose data is deeply nested arrays with 4300, without falling over', { skip: soketiFails('ignores it, or crashes on non-object data') }, async () => {
    const raw = await connectRaw(srv);
    const depth = 4000;
    raw.send(`{"event":"pusher:subscribe","data":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    await expect4300(raw, 'deep nesting');
    await raw.close();
  });

  it('rejects a channel name containing a NUL character as InvalidChannel', { skip: soketiFails('does not validate names') }, async () => {
    const raw = await connectRaw(srv);
    const msg = await rawSubscribe(raw, 'evil\u0000channel');
    assert.equal(msg.event, 'pusher:subscription_error', JSON.stringify(msg));
    assert.equal(dataOf(msg).type, 'InvalidChannel');
    await raw.barrier();
    await raw.close();
  });

  it('closes with 1009 on a 64 KB text message', { skip: soketiFails('accepts messages up to 100 MB') }, async () => {
    const raw = await connectRaw(srv);
    const channel = 'x'.repeat(64 * 1024);
    raw.send({ event: 'pusher:subscribe', data: { channel } });
    const { code } = await raw.waitClosed(5000);
    assert.equal(code, 1009);
  });

  it('closes with 1009 on a 1 MB text message', { skip: soketiFails('accepts messages up to 100 MB') }, async () => {
    const raw = await connectRaw(srv);
    raw.send(JSON.stringify({ event: 'client-huge', channel: 'private-x', data: 'y'.repeat(1024 * 1024) }));
    const { code } = await raw.waitClosed(5000);
    assert.equal(code, 1009);
  });

  it('closes with 1003 on a binary frame', { skip: soketiFails('parses binary frames as JSON') }, async () => {
    const raw = await connectRaw(srv);
    raw.send(Buffer.from(JSON.stringify({ event: 'pusher:ping', data: {} })), { binary: true });
    const { code } = await raw.waitClosed(5000);
    assert.equal(code, 1003);
  });

  it('closes with 1007 on a text frame that is not valid UTF-8', { skip: soketiFails('drops the TCP connection without a close frame (1006)') }, async () => {
    const raw = await connectRaw(srv);
    const bytes = Buffer.concat([Buffer.from('{"event":"pusher:ping","data":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]);
    raw.send(bytes, { binary: false });
    const { code } = await raw.waitClosed(5000);
    assert.equal(code, 1007);
  });

  it('closes with 1007 on an overlong UTF-8 encoding of "/" (0xC0 0xAF)', { skip: soketiFails('drops the TCP connection without a close frame (1006)') }, async () => {
    const raw = await connectRaw(srv);
    const bytes = Buffer.concat([Buffer.from('{"event":"pusher:ping","data":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
    raw.send(bytes, { binary: false });
    const { code } = await raw.waitClosed(5000);
    assert.equal(code, 1007);
  });

  it('closes with 1007 on a UTF-16 surrogate encoded in UTF-8 (0xED 0xA0 0x80)', { skip: soketiFails('drops the TCP connection without a close frame (1006)') }, async () => {
    const raw = await connectRaw(srv);
    const bytes = Buffer.concat([Buffer.from('{"event":"pusher:ping","data":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    raw.send(bytes, { binary: false });
    const { code } = await raw.waitClosed(5000);
    assert.equal(code, 1007);
  });

  it('accepts valid multi-byte UTF-8 (4-byte emoji) in a subscription round trip', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('utf8-');
    await rawSubscribe(raw, channel);
    await serverSdk(srv).trigger(channel, 'emoji', { s: 'héllo 🚀 — 日本語' });
    assert.deepEqual(dataOf(await raw.next('emoji')), { s: 'héllo 🚀 — 日本語' });
    await raw.close();
  });

  it('rejects forged signatures: channel auth 401, signin 4009, HTTP API 401', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('private-forged-');
    const sub = await rawSubscribe(raw, channel, { auth: `${srv.app.key}:${hmacHex('guessed-secret', `${raw.socketId}:${channel}`)}` });
    assert.equal(sub.event, 'pusher:subscription_error');
    assert.equal(dataOf(sub).status, 401);
    await raw.close();

    const signer = await connectRaw(srv);
    const userData = JSON.stringify({ id: 'root' });
    signer.send({ event: 'pusher:signin', data: { auth: userAuth({ key: srv.app.key, secret: 'guessed-secret' }, signer.socketId, userData), user_data: userData } });
    const err = await signer.next('pusher:error');
    assert.equal(dataOf(err).code, 4009);
    assert.equal((await signer.waitClosed()).code, 4009);

    const http = await signedRequest(srv, { ...srv.app, secret: 'guessed-secret' }, 'POST', `/apps/${srv.app.id}/events`, {
      body: { name: 'x', channel: 'c', data: '{}' },
    });
    assert.equal(http.status, 401);
  });

  it('has survived all of the above: a normal pusher-js client connects, subscribes and receives', async () => {
    assert.equal(srv.exitInfo, null, `server exited: ${JSON.stringify(srv.exitInfo)}`);
    const client = pusherClient(srv);
    await pusherConnected(client);
    const channel = client.subscribe(uniq('after-abuse-'));
    await subscribed(channel);
    const got = nextEvent(channel, 'still-alive');
    await serverSdk(srv).trigger(channel.name, 'still-alive', { ok: true });
    assert.deepEqual((await got).data, { ok: true });
    client.disconnect();
  });
});
