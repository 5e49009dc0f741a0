// Browser build of node_websocket.ts: browsers have a WebSocket, so there is nothing to load.
import type { WebSocketCtor } from './node_websocket.js';

export type { WebSocketLike, WebSocketCtor } from './node_websocket.js';

export function loadNodeWebSocket(): Promise<WebSocketCtor> {
  return Promise.reject(new Error('this environment has no WebSocket'));
}
