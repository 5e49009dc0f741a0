// The sends of one Realtime (realtime.ts): each gets an `ack` id and an idempotency key, waits in
// the OfflineQueue (offline_queue.ts) until its channel is subscribed, is written, and settles on
// the server's switchboard:ack / switchboard:nack or on its ack timeout.
//
// Single-threaded (the JS event loop). The Realtime owns the connection: it says whether one is
// open, and hands acks and nacks in.
import type { Channel } from './channel.js';
import { ErrorCodes } from './codes.js';
import { SwitchboardError } from './errors.js';
import { dataObject, type Frame } from './message.js';
import { OfflineQueue, type QueuedSend } from './offline_queue.js';
import type { Scheduler } from './scheduler.js';
import type { Transport } from './transport.js';
import type { SendAck } from './types.js';

/** What the outbox needs from its Realtime. */
export interface OutboxHost {
  readonly scheduler: Scheduler;
  readonly ackTimeout: number;
  readonly maxQueuedMessages: number;
  /** The transport to write to while connected; null otherwise. */
  openTransport(): Transport | null;
  channel(name: string): Channel | undefined;
}

function randomId(): string {
  const bytes = new Uint8Array(8);
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint8Array): Uint8Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Outbox {
  private readonly queue: OfflineQueue;
  private readonly clientId = randomId();
  private seq = 0;

  constructor(private readonly host: OutboxHost) {
    this.queue = new OfflineQueue(host.maxQueuedMessages);
  }

  /** Sends waiting to be written or acknowledged. */
  get size(): number {
    return this.queue.size;
  }

  enqueue(channel: string, frame: Record<string, unknown>): Promise<SendAck> {
    return new Promise<SendAck>((resolve, reject) => {
      const n = ++this.seq;
      const ack = `c-${n}`;
      const idempotencyKey = `${this.clientId}-${n}`;
      const entry: QueuedSend = {
        ack,
        idempotencyKey,
        channel,
        frame: { ...frame, ack, idempotency_key: idempotencyKey },
        resolve,
        reject,
        inFlight: false,
        attempts: 0,
        timer: null,
      };
      if (!this.queue.add(entry)) {
        reject(new SwitchboardError({ code: ErrorCodes.queueFull, title: 'Queue full', detail: `${this.host.maxQueuedMessages} sends are already waiting` }));
        return;
      }
      this.flush();
    });
  }

  /** Write every queued send whose channel is subscribed, in order. */
  flush(): void {
    const transport = this.host.openTransport();
    if (!transport) return;
    const ready = this.queue.takeReady((name) => this.host.channel(name)?.state === 'subscribed');
    for (const e of ready) {
      transport.send(JSON.stringify(e.frame));
      e.timer = this.host.scheduler.setTimeout(() => this.ackTimedOut(e), this.host.ackTimeout);
    }
  }

  /** The connection dropped: sends in flight wait to be written again. */
  requeueInFlight(): void {
    for (const e of this.queue.requeueInFlight()) this.clearAckTimer(e);
  }

  /** The channel was unsubscribed: its sends fail with `err`. */
  rejectChannel(channel: string, err: SwitchboardError): void {
    for (const e of this.queue.rejectChannel(channel, err)) this.clearAckTimer(e);
  }

  onAck(frame: Frame): void {
    const d = dataObject(frame.data);
    const entry = typeof d.ack === 'string' ? this.queue.settle(d.ack) : undefined;
    if (!entry) return; // unknown or repeated: settled once
    this.clearAckTimer(entry);
    const id = typeof d.id === 'string' ? d.id : String(d.id ?? '');
    if (id && entry.frame.echo === false) this.host.channel(entry.channel)?.noteOwnId(id);
    entry.resolve({
      id,
      offset: typeof d.offset === 'number' ? d.offset : null,
      epoch: typeof d.epoch === 'string' ? d.epoch : null,
    });
  }

  onNack(frame: Frame): void {
    const d = dataObject(frame.data);
    const entry = typeof d.ack === 'string' ? this.queue.settle(d.ack) : undefined;
    if (!entry) return;
    this.clearAckTimer(entry);
    const status = typeof d.status === 'number' ? d.status : Number(d.status) || undefined;
    entry.reject(
      new SwitchboardError({
        status,
        code: typeof d.code === 'string' ? d.code : ErrorCodes.invalidRequest,
        title: typeof d.title === 'string' ? d.title : 'Send refused',
        detail: typeof d.detail === 'string' ? d.detail : `send to ${entry.channel} refused`,
      }),
    );
  }

  private ackTimedOut(e: QueuedSend): void {
    e.timer = null;
    if (!this.queue.settle(e.ack)) return;
    e.reject(new SwitchboardError({ code: ErrorCodes.ackTimeout, title: 'No acknowledgement', detail: `no acknowledgement for ${e.ack} on ${e.channel} within ${this.host.ackTimeout} ms` }));
  }

  private clearAckTimer(e: QueuedSend): void {
    if (e.timer !== null) {
      this.host.scheduler.clearTimeout(e.timer);
      e.timer = null;
    }
  }
}
