// The default transport against a real `ws` server on loopback (Node 20 has no global WebSocket:
// this also proves `ws` is loaded lazily).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { webSocketTransport } from './transport.js';

describe('webSocketTransport', () => {
  it('opens, exchanges text frames, reports the close code once', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    wss.on('connection', (ws) => {
      ws.on('message', (m) => {
        ws.send(`echo:${m.toString()}`);
        ws.close(4200, 'bye');
      });
    });
    const got: string[] = [];
    const closed = await new Promise<[number, string]>((resolve) => {
      const t = webSocketTransport(`ws://127.0.0.1:${port}/app/x`, {
        onOpen: () => t.send('hi'),
        onMessage: (text) => got.push(text),
        onClose: (code, reason) => resolve([code, reason]),
      });
    });
    assert.deepEqual(got, ['echo:hi']);
    assert.deepEqual(closed, [4200, 'bye']);
    await new Promise((r) => wss.close(r));
  });

  it('a refused connection reports 1006', async () => {
    const closed = await new Promise<number>((resolve) => {
      webSocketTransport('ws://127.0.0.1:1/app/x', { onOpen: () => undefined, onMessage: () => undefined, onClose: (code) => resolve(code) });
    });
    assert.equal(closed, 1006);
  });

  it('close() before open reports the close without waiting for the peer', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const closed = await new Promise<number>((resolve) => {
      const t = webSocketTransport(`ws://127.0.0.1:${port}/`, { onOpen: () => undefined, onMessage: () => undefined, onClose: (code) => resolve(code) });
      t.close(1000, 'bye');
    });
    assert.equal(closed, 1000);
    await new Promise((r) => wss.close(r));
  });
});
