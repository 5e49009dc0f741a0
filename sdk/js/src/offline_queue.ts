// Sends waiting for their acknowledgement, in the order the app made them.
//
// Every send goes through this queue, online or not: an entry is "pending" until it is written to
// the socket, then "in flight" until the server acknowledges it (switchboard:ack/nack). When the
// connection drops, in-flight entries become pending again and are re-sent, in their original
// order, with the same idempotency_key once the channel is subscribed again: the server answers a
// retry with the original id and neither stores nor delivers it twice.
//
// Order: entries of one channel are written in the order they were added. Entries of different
// channels do not wait for each other (a channel still subscribing does not hold back another).
// I/O free: the owner writes frames and runs the timers.
import type { SwitchboardError } from './errors.js';
import type { SendAck } from './types.js';

export interface QueuedSend {
  /** The `ack` id the server echoes back (unique per client). */
  readonly ack: string;
  readonly idempotencyKey: string;
  readonly channel: string;
  /** The envelope, written as is (with ack and idempotency_key). */
  readonly frame: Readonly<Record<string, unknown>>;
  readonly resolve: (ack: SendAck) => void;
  readonly reject: (err: SwitchboardError) => void;
  inFlight: boolean;
  /** How many times it was written (1 = no retry). */
  attempts: number;
  /** The owner's ack timer, if any. */
  timer: unknown;
}

export class OfflineQueue {
  private readonly entries: QueuedSend[] = [];

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.length;
  }

  /** Entries in order (for inspection). */
  list(): readonly QueuedSend[] {
    return this.entries;
  }

  /** Add at the end; false when the queue is full. */
  add(entry: QueuedSend): boolean {
    if (this.entries.length >= this.max) return false;
    this.entries.push(entry);
    return true;
  }

  /**
   * Pending entries whose channel is ready, in order, now marked in flight. The caller writes
   * them in the returned order.
   */
  takeReady(isReady: (channel: string) => boolean): QueuedSend[] {
    const out: QueuedSend[] = [];
    for (const e of this.entries) {
      if (e.inFlight || !isReady(e.channel)) continue;
      e.inFlight = true;
      e.attempts += 1;
      out.push(e);
    }
    return out;
  }

  /** Remove and return the entry of this ack id (undefined for an unknown or repeated ack). */
  settle(ack: string): QueuedSend | undefined {
    const i = this.entries.findIndex((e) => e.ack === ack);
    if (i < 0) return undefined;
    const [entry] = this.entries.splice(i, 1);
    return entry;
  }

  /** The connection dropped: every in-flight entry will be written again. Returns them. */
  requeueInFlight(): QueuedSend[] {
    const back = this.entries.filter((e) => e.inFlight);
    for (const e of back) e.inFlight = false;
    return back;
  }

  /** Remove every entry of a channel (unsubscribed), rejecting it. */
  rejectChannel(channel: string, err: SwitchboardError): QueuedSend[] {
    const removed: QueuedSend[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e && e.channel === channel) removed.unshift(...this.entries.splice(i, 1));
    }
    for (const e of removed) e.reject(err);
    return removed;
  }
}
