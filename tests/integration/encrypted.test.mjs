// End-to-end encrypted channels (private-encrypted-): the pusher SDK encrypts
// with a master key, pusher-js decrypts with the shared secret from the auth
// endpoint; the server only routes ciphertext.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  SKIP_ALL, useServer, connectRaw, rawSubscribe, channelAuth, uniq,
  pusherClient, pusherConnected, subscribed, nextEvent, serverSdk, startAuthServer,
} from './harness.mjs';

const MASTER_KEY = crypto.randomBytes(32).toString('base64');

describe('encrypted channels', { skip: SKIP_ALL }, () => {
  const srv = useServer();

  async function encryptedSubscriber(name) {
    const auth = await startAuthServer(srv, { encryptionMasterKeyBase64: MASTER_KEY });
    const client = pusherClient(srv, auth.clientOptions());
    await pusherConnected(client);
    const channel = client.subscribe(name);
    await subscribed(channel);
    const authReply = auth.requests.find((r) => r.params.channel_name === name);
    assert.ok(authReply, 'pusher-js asked the auth endpoint');
    return { client, channel };
  }

  it('delivers an SDK-encrypted trigger that pusher-js decrypts', async () => {
    const name = uniq('private-encrypted-inbox-');
    const { client, channel } = await encryptedSubscriber(name);
    const got = nextEvent(channel, 'secret-message');
    const payload = { text: 'only the client can read this', n: 7 };
    const res = await serverSdk(srv, srv.app, { encryptionMasterKeyBase64: MASTER_KEY }).trigger(name, 'secret-message', payload);
    assert.equal(res.status, 200);
    assert.deepEqual((await got).data, payload);
    client.disconnect();
  });

  it('delivers encrypted batch events that pusher-js decrypts', async () => {
    const name = uniq('private-encrypted-batch-');
    const { client, channel } = await encryptedSubscriber(name);
    const first = nextEvent(channel, 'e1');
    const sdk = serverSdk(srv, srv.app, { encryptionMasterKeyBase64: MASTER_KEY });
    const res = await sdk.triggerBatch([{ channel: name, name: 'e1', data: { i: 1 } }]);
    assert.equal(res.status, 200);
    assert.deepEqual((await first).data, { i: 1 });
    client.disconnect();
  });

  it('routes only ciphertext: a raw subscriber sees nonce and ciphertext, never the plaintext', async () => {
    const name = uniq('private-encrypted-raw-');
    const raw = await connectRaw(srv);
    const sub = await rawSubscribe(raw, name, { auth: channelAuth(srv.app, raw.socketId, name) });
    assert.equal(sub.event, 'pusher_internal:subscription_succeeded');
    const marker = 'PLAINTEXT-MARKER-1234567890';
    await serverSdk(srv, srv.app, { encryptionMasterKeyBase64: MASTER_KEY }).trigger(name, 'sealed', { marker });
    const frame = await raw.next('sealed');
    assert.equal(typeof frame.data, 'string');
    const box = JSON.parse(frame.data);
    assert.deepEqual(Object.keys(box).sort(), ['ciphertext', 'nonce']);
    assert.equal(Buffer.from(box.nonce, 'base64').length, 24);
    assert.ok(!JSON.stringify(frame).includes(marker), 'plaintext visible on the wire');
    await raw.close();
  });
});
