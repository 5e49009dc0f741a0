// One channel: its subscription state, its listeners, and the message pipeline.
//
// Owned by a Realtime (realtime.ts), which routes every frame carrying this channel's name to
// handle(). Single-threaded (the JS event loop); no method blocks.
//
// Message pipeline: a frame becomes one Message (message.ts), is dropped if its id was already
// seen (recovery replays, history gap fill, a retried send), moves the recovery position
// (offset, epoch, last id), and is emitted under its event name ('message' for the seed's sends).
//
// Recovery: after a reconnect the channel resubscribes with `recover: {offset, epoch}`; the
// server replays what was missed, then says `switchboard:recovered`. When it could not
// (`recovered:false`: out of retention, new epoch) the channel fetches the gap from history
// (after the last id it saw), holding live messages back meanwhile so the order stays right.
import { ErrorCodes, subscriptionErrorCode } from './codes.js';
import { Emitter } from './emitter.js';
import { SwitchboardError } from './errors.js';
import { History, fetchPage, type MessageListDocument } from './history.js';
import { dataObject, messageFromFrame, type Frame } from './message.js';
import { Presence } from './presence.js';
import { Receipts } from './receipts.js';
import type { RestClient } from './rest.js';
import type { Scheduler } from './scheduler.js';
import { Typing } from './typing.js';
import type {
  ChannelEventMap,
  Message,
  MessageData,
  ReadEvent,
  RecoveryInfo,
  SendAck,
  SendMessage,
} from './types.js';

export type SubscriptionState = 'subscribing' | 'subscribed' | 'failed' | 'unsubscribed';

/** What a channel needs from its connection (implemented by Realtime). */
export interface ChannelHost {
  readonly scheduler: Scheduler;
  now(): number;
  userId(): string | null;
  userInfo(): Record<string, unknown> | null;
  /** The connection is established and speaks the native extension. */
  native(): boolean;
  /** Write a frame if connected; false when not (nothing is queued). */
  write(frame: Record<string, unknown>): boolean;
  /** Queue a native send (offline queue); resolves with the server's ack. */
  enqueue(channel: string, frame: Record<string, unknown>): Promise<SendAck>;
  /** The channel became subscribed: flush its queued sends. */
  channelReady(channel: string): void;
  /** Remove the channel: send pusher:unsubscribe, drop its queued sends. */
  removeChannel(channel: Channel): void;
  rest(): RestClient;
}

export interface RecoverPosition {
  offset: number;
  epoch: string;
}

/** Event names the SDK emits itself: a channel event of the same name is not delivered. */
const LOCAL_EVENTS = new Set(['presence', 'subscribed', 'subscription_error', 'recovered', 'error']);

/** Events that are never channel messages. */
function isControlEvent(event: string): boolean {
  return event.startsWith('pusher:') || event.startsWith('pusher_internal:') || event.startsWith('switchboard:');
}

/** How many recent message ids a channel remembers to drop repeats. */
export const SEEN_IDS = 5000;
/**
 * After subscribing with a recovery position, how long to wait for `switchboard:recovered` before
 * treating the silence as `recovered:false` (a server that does not recover this channel).
 */
export const RECOVER_WAIT_MS = 3000;
/** Pages fetched at most to fill a recovery gap. */
const GAP_PAGES = 10;
/** On channels with delivery receipts, confirmations are batched: at most one per this many ms. */
const DELIVERY_CONFIRM_MS = 500;
const GAP_PAGE_SIZE = 100;

/** A bounded set of recent ids (oldest forgotten first). */
export class RecentIds {
  private readonly set = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.set.has(id);
  }

  add(id: string): void {
    if (this.set.has(id)) return;
    this.set.add(id);
    this.order.push(id);
    if (this.order.length - this.head > this.capacity) {
      const old = this.order[this.head++];
      if (old !== undefined) this.set.delete(old);
      if (this.head > this.capacity) {
        this.order.splice(0, this.head);
        this.head = 0;
      }
    }
  }
}

export function isPresenceChannel(name: string): boolean {
  return name.startsWith('presence-') || name.startsWith('presence:');
}

export function isPrivateChannel(name: string): boolean {
  return name.startsWith('private-') || name.startsWith('private:');
}

/** The event name and payload of a send, from either seed shape. */
export function sendPayload(msg: SendMessage): { event: string; data: unknown } {
  const { type, data, ...rest } = msg;
  const event = typeof type === 'string' && type !== '' ? type : 'message';
  return { event, data: data !== undefined ? data : rest };
}

type ChannelListener = (payload: never) => void;

export class Channel extends Emitter<ChannelEventMap> {
  readonly name: string;
  /** Presence: members, enter/update/leave (meaningful on `presence:`/`presence-` channels). */
  readonly presence: Presence;
  /** Typing indicators. */
  readonly typing: Typing;
  /** Stored messages. */
  readonly history: History;
  /** Read receipts. */
  readonly messages: Receipts;

  private subState: SubscriptionState = 'subscribing';
  private connectionUp = false;
  private position: { offset: number | null; epoch: string | null; lastId: string | null } = {
    offset: null,
    epoch: null,
    lastId: null,
  };
  private readonly seen = new RecentIds(SEEN_IDS);
  /** While a recovery gap is being filled from history: live messages held back. */
  private held: Frame[] | null = null;
  /** The last subscribe carried a recovery position; cleared by switchboard:recovered. */
  private awaitingRecovery = false;
  private recoverTimer: unknown = null;
  /** The server said the channel wants delivery confirmations (switchboard:subscribed). */
  private deliveryReceipts = false;
  /** The newest message received and not yet confirmed, and the timer that will confirm it. */
  private unconfirmed: string | null = null;
  private confirmTimer: unknown = null;

  /** @internal Created by Realtime.subscribe(). */
  constructor(
    name: string,
    private readonly host: ChannelHost,
  ) {
    super();
    this.name = name;
    const isPresence = isPresenceChannel(name);
    this.presence = new Presence({
      channel: name,
      isPresence,
      userId: () => host.userId(),
      ready: () => this.isReady(),
      native: () => host.native(),
      write: (f) => host.write(f),
      emit: (event, members) => this.emit(event, members),
      emitMember: (event, member) => this.emit(event, member),
    });
    this.typing = new Typing({
      channel: name,
      scheduler: host.scheduler,
      now: () => host.now(),
      ready: () => this.isReady() && host.native(),
      defaultUserName: () => {
        const n = host.userInfo()?.name;
        return typeof n === 'string' ? n : null;
      },
      memberName: (userId) => {
        const m = this.presence.list().find((x) => x.user_id === userId);
        const n = m?.data.name ?? m?.data.user_name;
        return typeof n === 'string' ? n : null;
      },
      write: (f) => host.write(f),
      emit: (event, user) => this.emit(event, user),
    });
    this.history = new History(name, () => host.rest());
    this.messages = new Receipts(name, () => host.rest(), () => host.userId());
  }

  /** 'subscribing' until the server confirms, 'subscribed', 'failed' (refused), 'unsubscribed'. */
  get state(): SubscriptionState {
    return this.subState;
  }

  get isPresence(): boolean {
    return isPresenceChannel(this.name);
  }

  /**
   * Listen to a channel event. Fixed events: 'message', 'presence', 'presence:join|leave|update|sync',
   * 'typing:start|stop', 'message:read', 'subscribed', 'subscription_error', 'recovered', 'error';
   * any other name receives the messages sent with that event (`trigger`, or send's `type`).
   * @example channel.on('message', (message) => console.log(message.data));
   */
  on<K extends keyof ChannelEventMap>(event: K, listener: (payload: ChannelEventMap[K]) => void): this;
  on<T = MessageData>(event: string, listener: (message: Message<T>) => void): this;
  on(event: string, listener: ChannelListener): this {
    this.addListener(event, listener);
    return this;
  }

  /** Listen once. */
  once<K extends keyof ChannelEventMap>(event: K, listener: (payload: ChannelEventMap[K]) => void): this;
  once<T = MessageData>(event: string, listener: (message: Message<T>) => void): this;
  once(event: string, listener: ChannelListener): this {
    const wrapper = ((payload: never) => {
      this.removeListener(event, wrapper);
      listener(payload);
    }) as ChannelListener;
    this.addListener(event, wrapper);
    return this;
  }

  /** Remove a listener, or all listeners of an event. */
  off<K extends keyof ChannelEventMap>(event: K, listener?: (payload: ChannelEventMap[K]) => void): this;
  off<T = MessageData>(event: string, listener?: (message: Message<T>) => void): this;
  off(event: string, listener?: ChannelListener): this {
    this.removeListener(event, listener);
    return this;
  }

  /**
   * Send a message to everyone on the channel (the sender included). Queued while offline and
   * sent once the channel is subscribed; resolves with the server's id and offset.
   * @example await channel.send({ type: 'message', data: { text: 'Hello, world!', attachments: [] } });
   * @example channel.send({ type: 'message', text: 'Hello, everyone!', user_id: 'user_123' });
   */
  send(msg: SendMessage): Promise<SendAck> {
    const { event, data } = sendPayload(msg);
    return this.enqueue({ event, channel: this.name, data });
  }

  /**
   * Send a custom event to the others on the channel (not echoed to the sender). A `client-`
   * event is sent as a Pusher client event (private/presence channels; no acknowledgement).
   * @example channel.trigger('cursor-move', { x: 100, y: 200, user_id: 'user_123' });
   */
  trigger(event: string, data: unknown): Promise<SendAck | null> {
    if (event.startsWith('client-')) {
      if (this.subState === 'unsubscribed') return Promise.reject(this.unsubscribedError());
      const ok = this.isReady() && this.host.write({ event, channel: this.name, data });
      return ok
        ? Promise.resolve(null)
        : handled(Promise.reject(new SwitchboardError({ code: ErrorCodes.disconnected, title: 'Not connected', detail: `client events are not queued: ${this.name} is not subscribed` })));
    }
    return this.enqueue({ event, channel: this.name, data, echo: false });
  }

  /**
   * Leave the channel: no more events; queued sends are rejected.
   * @example channel.unsubscribe();
   */
  unsubscribe(): void {
    if (this.subState === 'unsubscribed') return;
    this.stopRecoverTimer();
    this.typing.stop();
    this.typing.connectionLost();
    this.subState = 'unsubscribed';
    this.presence.fail(this.unsubscribedError());
    this.host.removeChannel(this);
  }

  private enqueue(frame: Record<string, unknown>): Promise<SendAck> {
    if (this.subState === 'unsubscribed') return handled(Promise.reject(this.unsubscribedError()));
    return handled(this.host.enqueue(this.name, frame));
  }

  private unsubscribedError(): SwitchboardError {
    return new SwitchboardError({ code: ErrorCodes.unsubscribed, title: 'Unsubscribed', detail: `channel ${this.name} was unsubscribed` });
  }

  private isReady(): boolean {
    return this.connectionUp && this.subState === 'subscribed';
  }

  // ---- driven by Realtime --------------------------------------------------------------------

  /** @internal The `data` of this channel's pusher:subscribe (without auth). */
  subscribeData(): { channel: string; recover?: RecoverPosition } {
    const { offset, epoch } = this.position;
    this.awaitingRecovery = offset !== null && epoch !== null;
    if (offset !== null && epoch !== null) return { channel: this.name, recover: { offset, epoch } };
    return { channel: this.name };
  }

  /** @internal A connection is up and the subscribe frame is being sent. */
  connecting(): void {
    this.connectionUp = true;
    if (this.subState !== 'unsubscribed') this.subState = 'subscribing';
  }

  /** @internal The connection dropped. */
  connectionLost(): void {
    this.connectionUp = false;
    this.stopRecoverTimer();
    if (this.subState === 'subscribed') this.subState = 'subscribing';
    this.typing.connectionLost();
    this.presence.connectionLost();
  }

  /** @internal The subscription was refused before it was sent (auth endpoint failure). */
  refuse(err: SwitchboardError): void {
    this.subState = 'failed';
    this.presence.fail(err);
    this.emit('subscription_error', err);
    this.emit('error', err);
  }

  /**
   * @internal An id the server acknowledged for a send that was not echoed to us (trigger): a later
   * copy (recovery) must not reach us either. Echoed sends are not noted, so that their echo is
   * emitted even when the acknowledgement overtakes it.
   */
  noteOwnId(id: string): void {
    this.seen.add(id);
  }

  /** @internal A frame for this channel. */
  handle(frame: Frame): void {
    if (this.subState === 'unsubscribed') return;
    const event = frame.event;
    switch (event) {
      case 'pusher_internal:subscription_succeeded':
        this.subState = 'subscribed';
        if (this.awaitingRecovery) {
          this.stopRecoverTimer();
          this.recoverTimer = this.host.scheduler.setTimeout(() => {
            this.recoverTimer = null;
            if (!this.awaitingRecovery || this.subState !== 'subscribed') return;
            this.awaitingRecovery = false;
            void this.fillGap(null, null);
          }, RECOVER_WAIT_MS);
        }
        this.emit('subscribed', undefined);
        if (this.isPresence) this.presence.subscribed(frame.data);
        this.host.channelReady(this.name);
        return;
      case 'pusher:subscription_error': {
        const d = dataObject(frame.data);
        const status = typeof d.status === 'number' ? d.status : Number(d.status) || undefined;
        const type = typeof d.type === 'string' ? d.type : undefined;
        const code = typeof d.error === 'string' && /^[a-z_]+$/.test(d.error) ? d.error : subscriptionErrorCode(type, status);
        const detail = typeof d.error === 'string' ? d.error : typeof frame.data === 'string' ? frame.data : `subscription to ${this.name} refused`;
        this.refuse(new SwitchboardError({ status: status ?? 0, code, title: type ?? 'Subscription refused', detail }));
        return;
      }
      case 'switchboard:recovered':
        this.recovered(frame.data);
        return;
      case 'message:read': {
        const d = dataObject(frame.data);
        const read: ReadEvent = {
          message_id: String(d.message_id ?? ''),
          user_id: String(d.user_id ?? ''),
          read_at: typeof d.read_at === 'string' ? d.read_at : new Date().toISOString(),
        };
        this.emit('message:read', read);
        return;
      }
      case 'switchboard:subscribed':
        this.deliveryReceipts = dataObject(frame.data).delivery_receipts === true;
        return;
      case 'pusher:cache_miss':
        return;
    }
    if (this.presence.handle(event, frame.data)) return;
    if (this.typing.handle(event, frame.data)) return;
    if (isControlEvent(event)) return;
    if (this.held) {
      this.held.push(frame);
      return;
    }
    this.deliver(frame);
  }

  private deliver(frame: Frame): void {
    const message = messageFromFrame(frame, this.name);
    if (message.id !== null) {
      if (this.seen.has(message.id)) return;
      this.seen.add(message.id);
    }
    this.advance(message.offset, typeof frame.epoch === 'string' ? frame.epoch : null, message.id);
    if (this.deliveryReceipts && message.id !== null && message.offset !== null) this.confirmDelivery(message.id);
    if (LOCAL_EVENTS.has(message.event)) return;
    this.emit(message.event, message);
  }

  /** Tells the server, at most every DELIVERY_CONFIRM_MS, the newest message that arrived. */
  private confirmDelivery(id: string): void {
    if (this.unconfirmed === null || id > this.unconfirmed) this.unconfirmed = id;
    if (this.confirmTimer !== null) return;
    this.confirmTimer = this.host.scheduler.setTimeout(() => {
      this.confirmTimer = null;
      const newest = this.unconfirmed;
      this.unconfirmed = null;
      if (newest !== null && this.isReady())
        this.host.write({ event: 'switchboard:delivered', channel: this.name, data: { message_id: newest } });
    }, DELIVERY_CONFIRM_MS);
  }

  private advance(offset: number | null, epoch: string | null, id: string | null): void {
    if (offset !== null) {
      if (epoch !== null && epoch !== this.position.epoch) {
        this.position = { offset, epoch, lastId: id ?? this.position.lastId };
        return;
      }
      if (this.position.offset === null || offset > this.position.offset) {
        this.position = { ...this.position, offset, lastId: id ?? this.position.lastId };
        return;
      }
    }
    if (id !== null && offset === null) this.position = { ...this.position, lastId: id };
  }

  private stopRecoverTimer(): void {
    if (this.recoverTimer !== null) {
      this.host.scheduler.clearTimeout(this.recoverTimer);
      this.recoverTimer = null;
    }
  }

  private recovered(raw: unknown): void {
    this.awaitingRecovery = false;
    this.stopRecoverTimer();
    const d = dataObject(raw);
    const offset = typeof d.offset === 'number' ? d.offset : null;
    const epoch = typeof d.epoch === 'string' ? d.epoch : null;
    if (d.recovered === true || d.recovered === 'true') {
      if (offset !== null && epoch !== null && (this.position.offset === null || offset >= this.position.offset)) {
        this.position = { ...this.position, offset, epoch };
      }
      this.emit('recovered', { recovered: true, offset, epoch, filled: 0 });
      return;
    }
    void this.fillGap(offset, epoch);
  }

  /** The server could not replay: fetch what we missed from history, then release live messages. */
  private async fillGap(offset: number | null, epoch: string | null): Promise<void> {
    const after = this.position.lastId;
    let filled = 0;
    if (after !== null) {
      this.held = [];
      try {
        let page = await fetchPage<unknown>(
          (q) =>
            this.host.rest().request<MessageListDocument>({
              method: 'GET',
              path: `/v1/realtime/channels/${encodeURIComponent(this.name)}/messages`,
              query: { limit: q.limit, before: q.before, after: q.after, order: q.order },
            }),
          this.name,
          { after, order: 'asc', limit: GAP_PAGE_SIZE },
        );
        for (let i = 0; i < GAP_PAGES && this.subState !== 'unsubscribed'; i++) {
          for (const m of page) {
            if (m.id !== null && this.seen.has(m.id)) continue;
            if (m.id !== null) this.seen.add(m.id);
            filled++;
            if (!LOCAL_EVENTS.has(m.event)) this.emit(m.event, m as Message);
          }
          if (!page.meta.has_more || page.length === 0) break;
          page = await page.next();
        }
      } catch (err) {
        this.emit('error', err instanceof SwitchboardError ? err : new SwitchboardError({ code: ErrorCodes.network, detail: String(err) }));
      }
      const held = this.held;
      this.held = null;
      for (const f of held) this.deliver(f);
    }
    // Continue from the server's current position (a new epoch invalidates the old offset).
    if (
      offset !== null &&
      epoch !== null &&
      (this.position.epoch !== epoch || this.position.offset === null || offset > this.position.offset)
    ) {
      this.position = { ...this.position, offset, epoch };
    }
    const info: RecoveryInfo = { recovered: false, offset, epoch, filled };
    this.emit('recovered', info);
  }

  /** @internal For tests and the demo: the recovery position. */
  get recoveryPosition(): { offset: number | null; epoch: string | null; lastId: string | null } {
    return { ...this.position };
  }
}

/** Mark a promise as handled so a fire-and-forget call (the seed's style) never crashes Node. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
