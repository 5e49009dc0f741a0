// The chat demo: the seed's React ChatRoom, in plain TypeScript + DOM, on @switchboard/sdk.
//
// URL: /demo/chat?user=alice&room=general[&key=pk_…]. The page asks the server's development
// token endpoint (POST /demo/token {user_id, channels, user_info} -> {token}) for a connection
// token, so no secret reaches the browser. The publishable key comes from ?key= or from the token
// endpoint's answer (`key`).
import {
  createClient,
  SwitchboardError,
  type Message,
  type PresenceMember,
  type Realtime,
  type RealtimeChannel,
} from '@switchboard/sdk';

interface ChatData {
  text: string;
  user_name: string;
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

const params = new URLSearchParams(location.search);
const userParam = params.get('user')?.trim() ?? '';
const room = params.get('room')?.trim() || 'general';

function showError(text: string): void {
  const el = $('error');
  el.textContent = text;
  el.hidden = false;
}

function setStatus(state: string, detail = ''): void {
  const dot = $('status-dot');
  dot.className = `status ${state === 'connected' ? 'online' : state === 'connecting' ? 'connecting' : 'offline'}`;
  $('status').textContent = detail ? `${state} (${detail})` : state;
  document.body.dataset.state = state;
}

function initials(name: string): string {
  return name.slice(0, 2).toUpperCase();
}

function userIdOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'guest';
}

/** The token endpoint's answer: {token} (and, from the demo server, the key and app id). */
interface TokenAnswer {
  token: string;
  key?: string;
  api_key?: string;
  app_id?: string;
}

async function askTokenEndpoint(body: unknown): Promise<TokenAnswer> {
  const res = await fetch('/demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST /demo/token: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as TokenAnswer;
}

function issuerOf(token: string): string | undefined {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4));
    const iss = (JSON.parse(json) as { iss?: unknown }).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

function login(): void {
  const form = $<HTMLFormElement>('login');
  form.hidden = false;
  $<HTMLInputElement>('login-room').value = room;
  setStatus('disconnected', 'pick a name');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const user = $<HTMLInputElement>('login-user').value.trim();
    const r = $<HTMLInputElement>('login-room').value.trim() || 'general';
    if (!user) return;
    const next = new URLSearchParams(params);
    next.set('user', user);
    next.set('room', r);
    location.search = next.toString();
  });
  $<HTMLInputElement>('login-user').focus();
}

class ChatRoom {
  private readonly messageEls = new Map<string, HTMLElement>();
  private readonly readers = new Map<string, Set<string>>();
  private readonly marked = new Set<string>();
  private members: PresenceMember[] = [];
  private readonly typingUsers = new Map<string, string>();
  private typingTimeout: ReturnType<typeof setTimeout> | null = null;
  private readonly observer: IntersectionObserver;

  constructor(
    private readonly realtime: Realtime,
    private readonly channel: RealtimeChannel,
    private readonly me: { user_id: string; name: string },
  ) {
    this.observer = new IntersectionObserver((entries) => this.onVisible(entries), { threshold: 0.6 });
    document.addEventListener('visibilitychange', () => this.markVisible());
  }

  async start(): Promise<void> {
    const { realtime, channel, me } = this;
    realtime.on('state', ({ current }) => setStatus(current));
    realtime.on('reconnecting', (attempt) => setStatus('connecting', `attempt ${attempt}`));
    realtime.on('error', (err) => console.warn('realtime error', err));
    realtime.on('connected', () => {
      setStatus('connected');
      this.enableInput(true);
    });
    realtime.on('disconnected', () => this.enableInput(realtime.isConnected()));

    channel.on('subscription_error', (err) => showError(`cannot join ${channel.name}: ${err.code} ${err.detail}`));
    channel.on('presence', (members) => {
      this.members = members;
      this.renderMembers();
    });
    channel.on('typing:start', (user) => {
      if (user.user_id === me.user_id) return;
      this.typingUsers.set(user.user_id, user.user_name);
      this.renderTyping();
    });
    channel.on('typing:stop', (user) => {
      this.typingUsers.delete(user.user_id);
      this.renderTyping();
    });
    channel.on<ChatData>('message', (message) => {
      this.typingUsers.delete(message.user_id ?? '');
      this.renderTyping();
      this.append(message, true);
    });
    channel.on('message:read', (read) => this.addReader(read.message_id, read.user_id));

    void channel.presence.enter({ user_id: me.user_id, name: me.name, status: 'online' });

    try {
      const history = await channel.history.fetch<ChatData>({ limit: 50 });
      for (const m of history.reverse()) this.append(m, false);
      this.scrollToEnd();
      await this.loadReceipts();
    } catch (err) {
      showError(`history: ${err instanceof SwitchboardError ? `${err.code} ${err.detail}` : String(err)}`);
    }
    this.bindComposer();
  }

  private enableInput(on: boolean): void {
    $<HTMLInputElement>('input').disabled = !on;
    $<HTMLButtonElement>('send').disabled = !on;
  }

  private bindComposer(): void {
    const input = $<HTMLInputElement>('input');
    input.addEventListener('input', () => {
      if (!input.value) return;
      this.channel.typing.start({ user_id: this.me.user_id, user_name: this.me.name });
      if (this.typingTimeout) clearTimeout(this.typingTimeout);
      this.typingTimeout = setTimeout(() => this.channel.typing.stop(), 2000);
    });
    $<HTMLFormElement>('composer').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      if (this.typingTimeout) clearTimeout(this.typingTimeout);
      this.channel.typing.stop();
      this.channel.send({ type: 'message', data: { text, user_name: this.me.name } }).catch((err: unknown) => {
        showError(`send failed: ${err instanceof SwitchboardError ? `${err.code} ${err.detail}` : String(err)}`);
      });
    });
  }

  private nameOf(userId: string | null, data?: Partial<ChatData>): string {
    if (data?.user_name) return data.user_name;
    const m = this.members.find((x) => x.user_id === userId);
    const n = m?.data.name;
    return typeof n === 'string' ? n : (userId ?? 'server');
  }

  private append(message: Message<ChatData>, live: boolean): void {
    const id = message.id ?? `local-${Math.random().toString(36).slice(2)}`;
    if (this.messageEls.has(id)) return;
    const data = (message.data ?? {}) as Partial<ChatData>;
    const own = message.user_id === this.me.user_id;
    const el = document.createElement('div');
    el.className = `message${own ? ' own' : ''}`;
    el.dataset.id = id;
    el.dataset.testid = 'message';
    el.dataset.user = message.user_id ?? '';
    const author = document.createElement('strong');
    author.textContent = this.nameOf(message.user_id, data);
    const text = document.createElement('p');
    text.textContent = typeof data.text === 'string' ? data.text : JSON.stringify(message.data);
    const time = document.createElement('small');
    time.textContent = message.created_at ? new Date(message.created_at).toLocaleTimeString() : '';
    el.append(author, text, time);
    if (own) {
      const receipt = document.createElement('small');
      receipt.className = 'receipt';
      receipt.dataset.testid = 'receipt';
      el.append(receipt);
    } else {
      this.observer.observe(el);
    }
    const list = $('messages');
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(el);
    this.messageEls.set(id, el);
    this.renderReceipt(id);
    if (!live || own || atEnd) this.scrollToEnd();
  }

  private scrollToEnd(): void {
    const list = $('messages');
    list.scrollTop = list.scrollHeight;
  }

  private renderMembers(): void {
    const ul = $('members');
    ul.replaceChildren(
      ...this.members.map((m) => {
        const li = document.createElement('li');
        li.className = 'member';
        li.dataset.testid = 'member';
        li.dataset.user = m.user_id;
        const name = typeof m.data.name === 'string' ? m.data.name : m.user_id;
        const avatar = document.createElement('span');
        avatar.className = 'avatar';
        avatar.textContent = initials(name);
        const label = document.createElement('span');
        label.textContent = m.user_id === this.me.user_id ? `${name} (you)` : name;
        const status = document.createElement('span');
        status.className = 'member-status';
        status.textContent = m.status;
        li.append(avatar, label, status);
        return li;
      }),
    );
    $('online-count').textContent = `${this.members.length} online`;
  }

  private renderTyping(): void {
    const names = [...this.typingUsers.values()];
    $('typing').textContent = names.length ? `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing...` : '';
  }

  // ---- read receipts ----

  private onVisible(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      if (e.isIntersecting) (e.target as HTMLElement).dataset.visible = '1';
      else delete (e.target as HTMLElement).dataset.visible;
    }
    this.markVisible();
  }

  /** Mark the visible messages of others as read (once each), while the page is visible. */
  private markVisible(): void {
    if (document.visibilityState !== 'visible') return;
    for (const [id, el] of this.messageEls) {
      if (el.dataset.visible !== '1' || this.marked.has(id) || id.startsWith('local-')) continue;
      this.marked.add(id);
      this.channel.messages.markAsRead(id).catch((err: unknown) => {
        this.marked.delete(id);
        console.warn('markAsRead failed', err);
      });
    }
  }

  private async loadReceipts(): Promise<void> {
    const own = [...this.messageEls.entries()].filter(([id, el]) => el.classList.contains('own') && !id.startsWith('local-')).slice(-20);
    await Promise.all(
      own.map(async ([id]) => {
        try {
          const status = await this.channel.messages.getReadStatus(id);
          for (const u of status.read_by) this.addReader(id, u);
        } catch (err) {
          console.warn('getReadStatus failed', err);
        }
      }),
    );
  }

  private addReader(messageId: string, userId: string): void {
    if (userId === this.me.user_id) return;
    let set = this.readers.get(messageId);
    if (!set) this.readers.set(messageId, (set = new Set()));
    set.add(userId);
    this.renderReceipt(messageId);
  }

  private renderReceipt(messageId: string): void {
    const el = this.messageEls.get(messageId)?.querySelector<HTMLElement>('.receipt');
    const n = this.readers.get(messageId)?.size ?? 0;
    if (el) el.textContent = n > 0 ? `read by ${n}` : '';
  }
}

async function main(): Promise<void> {
  if (!userParam) {
    login();
    return;
  }
  const me = { user_id: userIdOf(userParam), name: userParam };
  const channelName = `presence:chat:${room}`;
  $('room-name').textContent = `#${room}`;
  $('me').textContent = `signed in as ${me.name}`;
  setStatus('connecting');

  // The publishable key: ?key=, else what the demo token endpoint says.
  let apiKey = params.get('key') ?? '';
  let appId = params.get('app') ?? undefined;
  let firstToken: string | null = null;
  if (!apiKey) {
    const answer = await askTokenEndpoint({ user_id: me.user_id, channels: [channelName], user_info: { name: me.name } });
    apiKey = answer.key ?? answer.api_key ?? '';
    appId = answer.app_id ?? issuerOf(answer.token);
    firstToken = answer.token;
  }
  if (!apiKey) {
    showError('this demo needs the app\'s publishable key: add ?key=pk_… to the URL');
    return;
  }

  // As the seed's ChatRoom: client, token, connect, subscribe.
  const client = createClient({ urls: { realtime: location.origin }, appId, apiKey, tokenEndpoint: '/demo/token' });
  const token = apiKey.startsWith('pk_')
    ? (await client.realtime.getToken({ user_id: me.user_id, channels: [channelName], user_info: { name: me.name } })).token
    : (firstToken ?? (await askTokenEndpoint({ user_id: me.user_id, channels: [channelName], user_info: { name: me.name } })).token);
  const realtime = await client.realtime.connect({ token });
  setStatus(realtime.getState());
  const channel = realtime.subscribe(channelName);
  const chat = new ChatRoom(realtime, channel, me);
  (window as unknown as { chat: unknown }).chat = { realtime, channel, client };
  await chat.start();
  window.addEventListener('beforeunload', () => realtime.disconnect());
}

main().catch((err: unknown) => {
  setStatus('disconnected');
  showError(err instanceof SwitchboardError ? `${err.code}: ${err.detail}` : String(err));
});
