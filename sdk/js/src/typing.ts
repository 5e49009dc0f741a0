// Typing indicators for one channel.
//
// Outgoing: start() may be called on every keystroke. The first call sends
// `switchboard:typing {typing:true}` at once; further calls send at most one renewal per
// DEBOUNCE_MS. While typing is on, the SDK renews it every RENEW_MS by itself (the server ends a
// typing state 6 s after the last renewal), so the seed's "call start() once, stop() after 2 s
// idle" pattern keeps the indicator alive; after IDLE_MS without a start() call it stops by
// itself, so a forgotten stop() does not show "typing…" forever. stop() sends `typing:false`
// once.
// Incoming: `typing:start` / `typing:stop` from the others, as {user_id, user_name}.
import { dataObject } from './message.js';
import { Timer, type Scheduler } from './scheduler.js';
import type { TypingStartParams, TypingUser } from './types.js';

export const DEBOUNCE_MS = 2000;
export const RENEW_MS = 3000;
export const IDLE_MS = 30_000;

export interface TypingHost {
  readonly channel: string;
  readonly scheduler: Scheduler;
  now(): number;
  /** Subscribed on a live connection that speaks the native extension. */
  ready(): boolean;
  /** The name this user goes by (token user_info.name), if known. */
  defaultUserName(): string | null;
  /** The display name of a member, if known (presence channels). */
  memberName(userId: string): string | null;
  write(frame: Record<string, unknown>): boolean;
  emit(event: 'typing:start' | 'typing:stop', user: TypingUser): void;
}

export class Typing {
  private typing = false;
  private lastSentAt = -Infinity;
  private lastStartCallAt = -Infinity;
  private userName: string | null = null;
  private readonly renewTimer: Timer;

  constructor(private readonly host: TypingHost) {
    this.renewTimer = new Timer(host.scheduler);
  }

  /**
   * Say this user is typing. Safe to call on every keystroke.
   * @example channel.typing.start({ user_id: 'user_123', user_name: 'Alice' })
   */
  start(user?: TypingStartParams): void {
    if (user?.user_name) this.userName = user.user_name;
    const now = this.host.now();
    this.lastStartCallAt = now;
    if (!this.typing || now - this.lastSentAt >= DEBOUNCE_MS) this.send(true);
    this.typing = true;
    this.scheduleRenew();
  }

  /**
   * Say this user stopped typing.
   * @example channel.typing.stop()
   */
  stop(): void {
    this.renewTimer.stop();
    if (!this.typing) return;
    this.typing = false;
    this.send(false);
  }

  get isTyping(): boolean {
    return this.typing;
  }

  /** @internal typing:start / typing:stop from the server. Returns true if it was one. */
  handle(event: string, rawData: unknown): boolean {
    if (event !== 'typing:start' && event !== 'typing:stop') return false;
    const d = dataObject(rawData);
    const userId = typeof d.user_id === 'string' ? d.user_id : typeof d.user_id === 'number' ? String(d.user_id) : null;
    if (userId === null) return true;
    const name =
      (typeof d.user_name === 'string' && d.user_name !== '' ? d.user_name : null) ??
      this.host.memberName(userId) ??
      userId;
    this.host.emit(event, { user_id: userId, user_name: name });
    return true;
  }

  /** @internal The connection dropped: the server ends our typing state itself. */
  connectionLost(): void {
    this.renewTimer.stop();
    this.typing = false;
  }

  private send(typing: boolean): void {
    const data: Record<string, unknown> = { typing };
    const name = this.userName ?? this.host.defaultUserName();
    if (name) data.user_name = name;
    if (this.host.ready() && this.host.write({ event: 'switchboard:typing', channel: this.host.channel, data })) {
      this.lastSentAt = typing ? this.host.now() : -Infinity;
    }
  }

  private scheduleRenew(): void {
    this.renewTimer.start(RENEW_MS, () => {
      if (!this.typing) return;
      if (this.host.now() - this.lastStartCallAt >= IDLE_MS) {
        this.stop();
        return;
      }
      this.send(true);
      this.scheduleRenew();
    });
  }
}
