// The video call demo: the seed's React VideoRoom in plain TypeScript on @switchboard/sdk.
// URL: /demo/call?room=ROOM_ID&key=PUBLISHABLE_KEY[&name=Alice][&relay=1]#token=ROOM_TOKEN
// (a room's join_url from POST /v1/realtime/webrtc/rooms). `relay=1` sends every stream through
// the TURN server (iceTransportPolicy 'relay').
import { createClient, type Participant, type Room } from '@switchboard/sdk';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const hash = new URLSearchParams(location.hash.slice(1));
const roomId = params.get('room') ?? '';
const key = params.get('key') ?? '';
const token = hash.get('token') ?? params.get('token') ?? '';

function setState(state: string, text: string): void {
  document.body.dataset.state = state;
  $('status').textContent = text;
}

function fail(message: string): void {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
  setState('error', 'not connected');
}

function tile(id: string, name: string, local: boolean): HTMLElement {
  let el = document.querySelector<HTMLElement>(`.tile[data-participant="${CSS.escape(id)}"]`);
  if (el) return el;
  el = document.createElement('div');
  el.className = local ? 'tile local' : 'tile';
  el.dataset.testid = 'tile';
  el.dataset.participant = id;
  el.dataset.name = name;
  el.dataset.local = String(local);
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = local;  // never play our own microphone back
  const placeholder = document.createElement('div');
  placeholder.className = 'placeholder';
  placeholder.textContent = name.slice(0, 1).toUpperCase();
  const label = document.createElement('span');
  label.className = 'name';
  label.textContent = local ? `${name} (You)` : name;
  const icons = document.createElement('div');
  icons.className = 'icons';
  const muted = document.createElement('span');
  muted.className = 'muted-icon';
  muted.dataset.testid = 'muted-icon';
  muted.title = 'muted';
  muted.textContent = 'muted';
  const camOff = document.createElement('span');
  camOff.className = 'camera-off-icon';
  camOff.title = 'camera off';
  camOff.textContent = 'camera off';
  const sharing = document.createElement('span');
  sharing.className = 'sharing-icon';
  sharing.textContent = 'sharing';
  icons.append(muted, camOff, sharing);
  el.append(video, placeholder, label, icons);
  $('grid').append(el);
  return el;
}

function show(el: HTMLElement, p: { audio: boolean; video: boolean; screen: boolean }): void {
  el.dataset.audio = String(p.audio);
  el.dataset.video = String(p.video);
  el.dataset.screen = String(p.screen);
  (el.querySelector('.muted-icon') as HTMLElement).hidden = p.audio;
  (el.querySelector('.camera-off-icon') as HTMLElement).hidden = p.video || p.screen;
  (el.querySelector('.sharing-icon') as HTMLElement).hidden = !p.screen;
}

function nameOf(p: Participant): string {
  const data = p.user_data as { name?: unknown } | null;
  return typeof data?.name === 'string' && data.name ? data.name : p.user_id;
}

function render(p: Participant): void {
  const el = tile(p.id, nameOf(p), false);
  show(el, p);
  const video = el.querySelector('video') as HTMLVideoElement;
  if (p.stream && video.srcObject !== p.stream) video.srcObject = p.stream;
}

async function join(name: string): Promise<void> {
  setState('joining', 'joining…');
  const client = createClient({ urls: { realtime: location.origin }, apiKey: key });
  const room: Room = await client.realtime.webrtc.join({
    room_id: roomId,
    token,
    audio: true,
    video: true,
    user_data: { name },
    iceTransportPolicy: params.get('relay') === '1' ? 'relay' : undefined,
  });
  (window as unknown as { callRoom: Room }).callRoom = room;

  const me = tile(room.participantId, name, true);
  const myVideo = me.querySelector('video') as HTMLVideoElement;
  myVideo.srcObject = room.localStream;
  const showMe = () => show(me, { audio: !room.audio.isMuted(), video: room.video.isEnabled(), screen: room.screen.isSharing() });
  showMe();
  for (const p of room.participants.values()) render(p);
  room.on('participant:joined', render);
  room.on('participant:stream', render);
  room.on('participant:audio', render);
  room.on('participant:video', render);
  room.on('participant:screen', render);
  room.on('participant:left', (p) => document.querySelector(`.tile[data-participant="${CSS.escape(p.id)}"]`)?.remove());
  room.on('ended', () => {
    setState('ended', 'the call has ended');
    for (const b of ['mute', 'video', 'share', 'leave']) ($(b) as HTMLButtonElement).disabled = true;
  });
  room.on('error', (e) => console.warn('call:', e.code, e.detail));

  const mute = $('mute') as HTMLButtonElement;
  const video = $('video') as HTMLButtonElement;
  const share = $('share') as HTMLButtonElement;
  const leave = $('leave') as HTMLButtonElement;
  for (const b of [mute, video, share, leave]) b.disabled = false;
  mute.onclick = () => {
    const on = room.audio.toggle();
    mute.textContent = on ? 'Mute' : 'Unmute';
    mute.setAttribute('aria-pressed', String(!on));
    showMe();
  };
  video.onclick = () => {
    const on = room.video.toggle();
    video.textContent = on ? 'Stop video' : 'Start video';
    video.setAttribute('aria-pressed', String(!on));
    showMe();
  };
  share.onclick = async () => {
    try {
      if (room.screen.isSharing()) room.screen.stop();
      else await room.screen.share();
    } catch (e) {
      console.warn('screen share:', e);
    }
    share.textContent = room.screen.isSharing() ? 'Stop sharing' : 'Share screen';
    share.setAttribute('aria-pressed', String(room.screen.isSharing()));
    showMe();
  };
  leave.onclick = () => {
    room.leave();
    $('grid').replaceChildren();
    for (const b of [mute, video, share, leave]) b.disabled = true;
    setState('left', 'you left the call');
  };
  setState('joined', `in the call as ${name}`);
}

function start(): void {
  $('room-name').textContent = roomId;
  if (!roomId || !key || !token) {
    fail('Open a room\'s join_url: POST /v1/realtime/webrtc/rooms answers it (…/demo/call?room=…&key=…#token=…).');
    return;
  }
  const name = params.get('name');
  const go = (n: string) =>
    join(n).catch((e: unknown) => {
      const err = e as { code?: string; detail?: string; message?: string };
      fail(err.code ? `${err.code}: ${err.detail ?? ''}` : String(err.message ?? e));
    });
  if (name) {
    void go(name);
    return;
  }
  const form = $('login') as HTMLFormElement;
  form.hidden = false;
  setState('login', 'choose a name');
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const n = ($('login-name') as HTMLInputElement).value.trim();
    if (!n) return;
    form.hidden = true;
    void go(n);
  };
}

start();
