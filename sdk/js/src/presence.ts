// One presence channel's members, and this user's own presence (enter / update / leave).
//
// Members come from the server: `presence:sync` (the full list, after each subscribe) and
// `presence:join|leave|update` (native connections), or, on a server without the native
// extension, Pusher's subscription_succeeded hash and member_added / member_removed.
//
// Events: join/leave/update once per user and change; after a re-sync (reconnect) the
// difference from the list we had is emitted as joins and leaves, so a list kept from events
// stays right. The aggregate `presence` event (the current list) follows every change.
//
// Own presence: a token connection is a member as soon as it subscribes (with the token's
// user_info). enter(data) / update(data) / leave() are remembered as the wanted state and
// (re)applied after every sync, so they survive reconnects and may be called before the
// subscription is confirmed. update() merges into this user's current data (so the seed's
// `update({status:'busy'})` keeps the name given to enter()).
import { ErrorCodes } from './codes.js';
import { SwitchboardError } from './errors.js';
import { dataObject, isPlainObject } from './message.js';
import type { PresenceData, PresenceMember } from './types.js';

export interface PresenceHost {
  readonly channel: string;
  readonly isPresence: boolean;
  userId(): string | null;
  /** The channel is subscribed on a live connection. */
  ready(): boolean;
  /** The connection speaks the native extension (presence:* events). */
  native(): boolean;
  write(frame: Record<string, unknown>): boolean;
  emit(event: 'presence' | 'presence:sync', members: PresenceMember[]): void;
  emitMember(event: 'presence:join' | 'presence:leave' | 'presence:update', member: PresenceMember): void;
}

type Intent = { mode: 'auto' } | { mode: 'entered'; data: Record<string, unknown> } | { mode: 'left' };

interface Waiter {
  resolve(members: PresenceMember[]): void;
  reject(err: SwitchboardError): void;
}

/** Build the seed's member shape from a user id and the member's data. */
export function toMember(userId: string, raw: unknown): PresenceMember {
  const obj = isPlainObject(raw) ? raw : {};
  const data: PresenceData = { ...obj, user_id: userId };
  const status = typeof obj.status === 'string' ? obj.status : 'online';
  return { user_id: userId, status, data };
}

/** Structural equality of JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function sameMember(a: PresenceMember, b: PresenceMember): boolean {
  return a.status === b.status && deepEqual(a.data, b.data);
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return null;
}

export class Presence {
  private readonly members = new Map<string, PresenceMember>();
  private synced = false;
  private everSynced = false;
  private intent: Intent = { mode: 'auto' };
  private waiters: Waiter[] = [];

  constructor(private readonly host: PresenceHost) {}

  /**
   * Join the member list with this data (or replace the data if already a member).
   * @example channel.presence.enter({ name: 'Alice', avatar: 'https://example.com/alice.jpg', status: 'online' })
   */
  enter(data: Record<string, unknown> = {}): Promise<void> {
    this.intent = { mode: 'entered', data: { ...data } };
    return this.apply();
  }

  /**
   * Change this user's data: merged into the current data, then shared by all the user's tabs.
   * @example channel.presence.update({ status: 'busy', statusMessage: 'In a meeting' })
   */
  update(data: Record<string, unknown>): Promise<void> {
    const base =
      this.intent.mode === 'entered'
        ? this.intent.data
        : stripUserId(this.members.get(this.host.userId() ?? '')?.data);
    this.intent = { mode: 'entered', data: { ...base, ...data } };
    return this.apply();
  }

  /** Stop being a member while staying subscribed. */
  leave(): Promise<void> {
    this.intent = { mode: 'left' };
    return this.apply();
  }

  /**
   * The current members, once the channel's member list is known.
   * @example const members = await channel.presence.getMembers();
   */
  getMembers(timeoutMs = 10_000): Promise<PresenceMember[]> {
    if (!this.host.isPresence) return Promise.resolve([]);
    if (this.synced) return Promise.resolve(this.list());
    return new Promise<PresenceMember[]>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new SwitchboardError({ code: ErrorCodes.timeout, title: 'Timeout', detail: `no member list for ${this.host.channel} within ${timeoutMs} ms` }));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The current members, synchronously (empty before the first sync). */
  list(): PresenceMember[] {
    return [...this.members.values()];
  }

  get isSynced(): boolean {
    return this.synced;
  }

  // ---- fed by the channel ------------------------------------------------------------------

  /** @internal A frame for this presence channel. Returns true when it was a presence frame. */
  handle(event: string, rawData: unknown): boolean {
    switch (event) {
      case 'presence:sync': {
        const d = dataObject(rawData);
        const list = Array.isArray(d.members) ? d.members : [];
        const members: PresenceMember[] = [];
        for (const m of list) {
          if (!isPlainObject(m)) continue;
          const id = idOf(m.user_id);
          if (id !== null) members.push(toMember(id, m.data ?? m.user_info));
        }
        this.sync(members);
        return true;
      }
      case 'presence:join':
      case 'presence:update': {
        const d = dataObject(rawData);
        const id = idOf(d.user_id);
        if (id !== null) this.upsert(toMember(id, d.data ?? d.user_info));
        return true;
      }
      case 'presence:leave': {
        const id = idOf(dataObject(rawData).user_id);
        if (id !== null) this.remove(id);
        return true;
      }
      case 'pusher_internal:member_added': {
        if (this.host.native()) return true;
        const d = dataObject(rawData);
        const id = idOf(d.user_id);
        if (id !== null) this.upsert(toMember(id, d.user_info));
        return true;
      }
      case 'pusher_internal:member_removed': {
        if (this.host.native()) return true;
        const id = idOf(dataObject(rawData).user_id);
        if (id !== null) this.remove(id);
        return true;
      }
      default:
        return false;
    }
  }

  /** @internal pusher_internal:subscription_succeeded on a presence channel. */
  subscribed(rawData: unknown): void {
    if (this.host.native()) return; // presence:sync follows
    const presence = dataObject(rawData).presence;
    const hash = isPlainObject(presence) && isPlainObject(presence.hash) ? presence.hash : {};
    this.sync(Object.entries(hash).map(([id, info]) => toMember(id, info)));
  }

  /** @internal The connection dropped: the list is stale until the next sync. */
  connectionLost(): void {
    this.synced = false;
  }

  /** @internal The subscription failed or the channel was unsubscribed. */
  fail(err: SwitchboardError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  // ---- internals ---------------------------------------------------------------------------

  private sync(members: PresenceMember[]): void {
    const previous = new Map(this.members);
    const resync = this.everSynced;
    this.members.clear();
    for (const m of members) this.members.set(m.user_id, m);
    this.synced = true;
    this.everSynced = true;
    if (resync) {
      for (const [id, old] of previous) if (!this.members.has(id)) this.host.emitMember('presence:leave', old);
      for (const m of this.members.values()) {
        const old = previous.get(m.user_id);
        if (!old) this.host.emitMember('presence:join', m);
        else if (!sameMember(old, m)) this.host.emitMember('presence:update', m);
      }
    }
    const list = this.list();
    this.host.emit('presence:sync', list);
    this.host.emit('presence', list);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(list);
    void this.apply();
  }

  private upsert(member: PresenceMember): void {
    const old = this.members.get(member.user_id);
    if (old && sameMember(old, member)) return; // nothing new: emit nothing twice
    this.members.set(member.user_id, member);
    // A join for a known member (or an update for an unknown one) is reported as what it is.
    this.host.emitMember(old ? 'presence:update' : 'presence:join', member);
    this.host.emit('presence', this.list());
  }

  private remove(userId: string): void {
    const old = this.members.get(userId);
    if (!old) return;
    this.members.delete(userId);
    this.host.emitMember('presence:leave', old);
    this.host.emit('presence', this.list());
  }

  /** Send what the intent needs, if the channel is ready and synced; else wait for the sync. */
  private apply(): Promise<void> {
    if (!this.host.isPresence) return Promise.resolve();
    // A plain Pusher server knows membership only from channel_data: nothing to send.
    if (!this.synced || !this.host.ready() || !this.host.native()) return Promise.resolve();
    const me = this.host.userId();
    const isMember = me !== null && this.members.has(me);
    const intent = this.intent;
    if (intent.mode === 'entered') {
      const current = me !== null ? this.members.get(me) : undefined;
      if (current && deepEqual(stripUserId(current.data), stripUserId(intent.data))) return Promise.resolve();
      this.host.write({
        event: 'switchboard:presence',
        channel: this.host.channel,
        data: { action: isMember ? 'update' : 'enter', data: intent.data },
      });
    } else if (intent.mode === 'left' && (isMember || me === null)) {
      this.host.write({ event: 'switchboard:presence', channel: this.host.channel, data: { action: 'leave' } });
    }
    return Promise.resolve();
  }
}

function stripUserId(data: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!data) return {};
  const { user_id: _ignored, ...rest } = data;
  return rest;
}
