// The WebSocket abstraction: the connection talks to a Transport, never to a WebSocket.
//
// webSocketTransport() uses the browser's WebSocket (or any global one: Deno, Bun, Node >= 22),
// and in Node 20 loads the `ws` package on first use (node_websocket.ts; the browser bundle
// replaces that file with one that never imports anything). Tests pass their own factory.
import { loadNodeWebSocket, type WebSocketLike, type WebSocketCtor } from './node_websocket.js';

export interface TransportHandlers {
  onOpen(): void;
  /** One text frame. */
  onMessage(text: string): void;
  /** Called exactly once, whatever happened (failed to open, closed by either side, close()). */
  onClose(code: number, reason: string): void;
}

/** One WebSocket connection. Not reusable: a new connection is a new Transport. */
export interface Transport {
  /** Send a text frame. Frames sent before onOpen or after close are dropped. */
  send(text: string): void;
  /** Close; onClose follows (forced after a short grace if the peer never answers). */
  close(code: number, reason: string): void;
}

export type TransportFactory = (url: string, handlers: TransportHandlers) => Transport;

/** How long close() waits for the closing handshake before reporting the close itself. */
const CLOSE_GRACE_MS = 2000;

function globalWebSocket(): WebSocketCtor | undefined {
  const g = globalThis as { WebSocket?: WebSocketCtor };
  return typeof g.WebSocket === 'function' ? g.WebSocket : undefined;
}

/** The default transport: a real WebSocket. */
export const webSocketTransport: TransportFactory = (url, handlers) => {
  let socket: WebSocketLike | null = null;
  let closed = false;
  let closeRequested: { code: number; reason: string } | null = null;
  let graceTimer: ReturnType<typeof setTimeout> | null = null;

  const finish = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    if (graceTimer) clearTimeout(graceTimer);
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
    }
    handlers.onClose(code, reason);
  };

  const attach = (Ctor: WebSocketCtor): void => {
    if (closed) return;
    if (closeRequested) {
      finish(closeRequested.code, closeRequested.reason);
      return;
    }
    try {
      socket = new Ctor(url);
    } catch (err) {
      finish(1006, err instanceof Error ? err.message : String(err));
      return;
    }
    socket.onopen = () => {
      if (closeRequested) socket?.close(closeRequested.code, closeRequested.reason);
      else handlers.onOpen();
    };
    socket.onmessage = (ev) => {
      if (closed || closeRequested) return;
      if (typeof ev.data === 'string') handlers.onMessage(ev.data);
    };
    socket.onclose = (ev) =>
      closeRequested ? finish(closeRequested.code, closeRequested.reason) : finish(ev.code || 1006, ev.reason || '');
    socket.onerror = () => {
      /* a close event follows */
    };
  };

  const Global = globalWebSocket();
  if (Global) {
    attach(Global);
  } else {
    loadNodeWebSocket().then(attach, (err: unknown) =>
      finish(1006, `no WebSocket implementation: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  return {
    send(text: string): void {
      if (closed || closeRequested || !socket || socket.readyState !== 1) return;
      socket.send(text);
    },
    close(code: number, reason: string): void {
      if (closed || closeRequested) return;
      closeRequested = { code, reason };
      try {
        // readyState 0 (connecting) is closed once it opens (see onopen): closing a connecting
        // browser WebSocket logs an error.
        if (socket && socket.readyState === 1) socket.close(code, reason);
      } catch {
        /* finish below */
      }
      graceTimer = setTimeout(() => finish(code, reason), CLOSE_GRACE_MS);
    },
  };
};
