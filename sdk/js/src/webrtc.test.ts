// WebRTC rooms against a fake RTCPeerConnection (its offer/answer state machine, including the
// implicit rollback perfect negotiation relies on) and a fake signaling server that relays
// between rooms as the real one does. Browser tests (tests/e2e/webrtc.test.mjs) run the real thing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Room, type SignalingFrame, type WebRtcEnvironment, type WebRtcSignaling } from './webrtc.js';
import { SwitchboardError } from './errors.js';

const flush = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

class FakeTrack {
  enabled = true;
  stopped = false;
  private listeners: Array<() => void> = [];
  constructor(readonly kind: 'audio' | 'video', readonly label: string = kind) {}
  stop() {
    this.stopped = true;
  }
  addEventListener(_: string, l: () => void) {
    this.listeners.push(l);
  }
  end() {
    for (const l of this.listeners) l();
  }
}

class FakeStream {
  constructor(private tracks: FakeTrack[] = []) {}
  getTracks() {
    return this.tracks;
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  addTrack(t: FakeTrack) {
    this.tracks.push(t);
  }
}

class FakeSender {
  constructor(public track: FakeTrack | null) {}
  async replaceTrack(t: FakeTrack | null) {
    this.track = t;
  }
}

type Desc = { type: 'offer' | 'answer'; sdp: string };

class FakePeerConnection {
  static all: FakePeerConnection[] = [];
  signalingState: RTCSignalingState = 'stable';
  iceConnectionState: RTCIceConnectionState = 'new';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: Desc | null = null;
  remoteDescription: Desc | null = null;
  senders: FakeSender[] = [];
  transceivers: string[] = [];
  candidates: unknown[] = [];
  restarts = 0;
  closed = false;
  rollbacks = 0;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((e: { candidate: unknown }) => void) | null = null;
  ontrack: ((e: { track: FakeTrack; streams: FakeStream[] }) => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  private negotiationPending = false;
  private version = 0;

  constructor(readonly config: RTCConfiguration) {
    FakePeerConnection.all.push(this);
  }
  addTrack(track: FakeTrack) {
    const s = new FakeSender(track);
    this.senders.push(s);
    this.needNegotiation();
    return s;
  }
  addTransceiver(kind: string) {
    this.transceivers.push(kind);
    this.needNegotiation();
  }
  getSenders() {
    return this.senders;
  }
  restartIce() {
    this.restarts++;
    this.needNegotiation();
  }
  private needNegotiation() {
    if (this.negotiationPending) return;
    this.negotiationPending = true;
    queueMicrotask(() => this.maybeFireNegotiation());
  }
  private maybeFireNegotiation() {
    if (!this.negotiationPending || this.closed || this.signalingState !== 'stable') return;
    this.negotiationPending = false;
    this.onnegotiationneeded?.();
  }
  private sdp() {
    return JSON.stringify({ v: ++this.version, kinds: this.senders.map((s) => s.track?.kind ?? 'none') });
  }
  async setLocalDescription() {
    await Promise.resolve();
    if (this.signalingState === 'stable') {
      this.localDescription = { type: 'offer', sdp: this.sdp() };
      this.signalingState = 'have-local-offer';
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: this.sdp() };
      this.signalingState = 'stable';
      this.onicecandidate?.({ candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' } });
      queueMicrotask(() => this.maybeFireNegotiation());
    }
  }
  async setRemoteDescription(d: Desc) {
    await Promise.resolve();
    if (d.type === 'offer') {
      if (this.signalingState === 'have-local-offer') {
        this.rollbacks++;  // implicit rollback
        this.signalingState = 'stable';
        this.negotiationPending = true;  // what we wanted to send still needs sending
      }
      this.remoteDescription = d;
      this.signalingState = 'have-remote-offer';
    } else {
      if (this.signalingState !== 'have-local-offer') throw new Error(`InvalidStateError: answer in ${this.signalingState}`);
      this.remoteDescription = d;
      this.signalingState = 'stable';
      queueMicrotask(() => this.maybeFireNegotiation());
    }
    const kinds = (JSON.parse(d.sdp) as { kinds: string[] }).kinds;
    const stream = new FakeStream();
    for (const k of kinds) if (k !== 'none') this.ontrack?.({ track: new FakeTrack(k as 'audio' | 'video'), streams: [stream] });
  }
  async addIceCandidate(c: unknown) {
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    this.candidates.push(c);
  }
  close() {
    this.closed = true;
  }
}

function environment(): WebRtcEnvironment & { displays: FakeTrack[] } {
  const displays: FakeTrack[] = [];
  return {
    displays,
    RTCPeerConnection: FakePeerConnection as unknown as WebRtcEnvironment['RTCPeerConnection'],
    MediaStream: FakeStream as unknown as WebRtcEnvironment['MediaStream'],
    getUserMedia: async (c) => {
      const tracks: FakeTrack[] = [];
      if (c.audio) tracks.push(new FakeTrack('audio'));
      if (c.video) tracks.push(new FakeTrack('video', 'camera'));
      return new FakeStream(tracks) as unknown as MediaStream;
    },
    getDisplayMedia: async () => {
      const t = new FakeTrack('video', 'screen');
      displays.push(t);
      return new FakeStream([t]) as unknown as MediaStream;
    },
  };
}

/** One connection: what the room sent, and a way to deliver frames to it. */
class FakeConnection implements WebRtcSignaling {
  sent: SignalingFrame[] = [];
  up = true;
  onSend: ((f: SignalingFrame) => void) | null = null;
  private listeners = new Set<(f: SignalingFrame) => void>();
  private reconnects = new Set<() => void>();
  send(frame: SignalingFrame) {
    if (!this.up) return false;
    this.sent.push(frame);
    this.onSend?.(frame);
    return true;
  }
  onFrame(l: (f: SignalingFrame) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  onReconnected(l: () => void) {
    this.reconnects.add(l);
    return () => this.reconnects.delete(l);
  }
  deliver(event: string, data: unknown, channel = 'room_1') {
    for (const l of [...this.listeners]) l({ event, channel, data });
  }
  reconnect() {
    for (const l of [...this.reconnects]) l();
  }
  sentOf(event: string) {
    return this.sent.filter((f) => f.event === event);
  }
}

/** A fake server: answers joins and relays signals between connections, like room_registry. */
class FakeServer {
  members = new Map<string, FakeConnection>();
  constructor(readonly ice: RTCIceServer[] = [{ urls: ['turn:127.0.0.1:34780'], username: '1:a', credential: 'c' }]) {}
  attach(conn: FakeConnection, id: string) {
    conn.onSend = (f) => {
      const data = f.data as Record<string, unknown>;
      if (f.event === 'switchboard:webrtc:join') {
        const others = [...this.members.keys()].map((p) => ({ id: p, user_id: p, audio: true, video: true, screen: false }));
        for (const [, c] of this.members) c.deliver('switchboard:webrtc:participant:joined', { id, user_id: id, audio: true, video: true, screen: false });
        this.members.set(id, conn);
        queueMicrotask(() =>
          conn.deliver('switchboard:webrtc:joined', { participant_id: id, user_id: id, rejoin_key: `k-${id}`, participants: others, ice_servers: this.ice }),
        );
      } else if (f.event === 'switchboard:webrtc:signal') {
        const target = this.members.get(String(data.to));
        queueMicrotask(() => target?.deliver('switchboard:webrtc:signal', { from: id, signal: data.signal }));
      }
    };
  }
}

async function joinedRoom(conn: FakeConnection, participants: unknown[] = [], opts: Record<string, unknown> = {}) {
  const env = environment();
  const p = Room.join(conn, { room_id: 'room_1', token: 'tok', audio: true, video: true, ...opts }, env);
  await flush(2);
  conn.deliver('switchboard:webrtc:joined', {
    participant_id: 'p_m',
    user_id: 'me',
    rejoin_key: 'key-1',
    participants,
    ice_servers: [{ urls: ['stun:127.0.0.1:34780'] }],
  });
  return { room: await p, env };
}

describe('webrtc room', () => {
  it('joins with the token, gets media, and connects to everyone already there with the server\'s ICE servers', async () => {
    FakePeerConnection.all = [];
    const conn = new FakeConnection();
    const joined: string[] = [];
    const { room } = await joinedRoom(conn, [{ id: 'p_a', user_id: 'alice', user_data: { name: 'Alice' }, audio: false, video: true }], {
      iceTransportPolicy: 'relay',
      user_data: { name: 'Me' },
    });
    room.on('participant:joined', (p) => joined.push(p.id));
    const join = conn.sentOf('switchboard:webrtc:join')[0]!;
    assert.equal(join.channel, 'room_1');
    assert.deepEqual(join.data, { token: 'tok', audio: true, video: true, user_data: { name: 'Me' } });
    assert.equal(room.participantId, 'p_m');
    assert.equal(room.localStream?.getTracks().length, 2);
    assert.equal(room.participants.get('p_a')?.audio, false);
    assert.deepEqual((room.participants.get('p_a')?.user_data as { name: string }).name, 'Alice');
    const pc = FakePeerConnection.all[0]!;
    assert.equal(pc.config.iceTransportPolicy, 'relay');
    assert.deepEqual(pc.config.iceServers, [{ urls: ['stun:127.0.0.1:34780'] }]);
    assert.equal(pc.senders.length, 2);
    await flush();
    const offer = conn.sentOf('switchboard:webrtc:signal')[0]!;
    assert.equal((offer.data as { to: string }).to, 'p_a');
    conn.deliver('switchboard:webrtc:participant:joined', { id: 'p_b', user_id: 'bob', audio: true, video: true });
    assert.deepEqual(joined, ['p_b']);
    assert.equal(FakePeerConnection.all.length, 1, 'a newcomer offers; we wait for its offer');
    conn.deliver('switchboard:webrtc:signal', { from: 'p_b', signal: { description: { type: 'offer', sdp: '{"v":1,"kinds":["audio","video"]}' } } });
    await flush();
    assert.equal(FakePeerConnection.all.length, 2);
    const answer = conn.sentOf('switchboard:webrtc:signal').find((f) => (f.data as { to: string; signal: { description?: Desc } }).to === 'p_b' &&
      (f.data as { signal: { description?: Desc } }).signal.description)!;
    assert.equal((answer.data as { signal: { description: Desc } }).signal.description.type, 'answer');
    room.leave();
  });

  it('rejects the join with the server\'s error code (a full room) and releases the media', async () => {
    const conn = new FakeConnection();
    const env = environment();
    const p = Room.join(conn, { room_id: 'room_1', token: 'tok' }, env);
    await flush(2);
    conn.deliver('switchboard:webrtc:error', { action: 'join', code: 'room_full', status: 409, detail: 'the room is full' });
    await assert.rejects(p, (e: unknown) => e instanceof SwitchboardError && e.code === 'room_full' && e.status === 409);
  });

  it('refuses to join without room_id and token', async () => {
    await assert.rejects(Room.join(new FakeConnection(), { room_id: '', token: '' }, environment()), /join needs room_id and token/);
  });

  it('a newcomer offers, the one already there answers, and both receive streams', async () => {
    FakePeerConnection.all = [];
    const server = new FakeServer();
    const a = new FakeConnection();
    const b = new FakeConnection();
    server.attach(a, 'p_1');
    server.attach(b, 'p_2');
    const roomA = await Room.join(a, { room_id: 'room_1', token: 't' }, environment());
    const roomB = await Room.join(b, { room_id: 'room_1', token: 't' }, environment());
    await flush(60);
    const offers = (c: FakeConnection) =>
      c.sentOf('switchboard:webrtc:signal').filter((f) => (f.data as { signal: { description?: Desc } }).signal.description?.type === 'offer');
    assert.equal(offers(a).length, 0);
    assert.equal(offers(b).length, 1);
    const [pcA, pcB] = [roomA.peerConnection('p_2') as unknown as FakePeerConnection, roomB.peerConnection('p_1') as unknown as FakePeerConnection];
    assert.equal(pcA.signalingState, 'stable');
    assert.equal(pcB.signalingState, 'stable');
    assert.equal(pcA.remoteDescription?.type, 'offer');
    assert.equal(pcB.remoteDescription?.type, 'answer');
    roomA.leave();
    roomB.leave();
  });

  it('two peers offering at once settle through perfect negotiation (the polite one rolls back)', async () => {
    FakePeerConnection.all = [];
    const server = new FakeServer();
    const a = new FakeConnection();
    const b = new FakeConnection();
    server.attach(a, 'p_1');
    server.attach(b, 'p_2');
    const streams: string[] = [];
    const roomA = await Room.join(a, { room_id: 'room_1', token: 't' }, environment());
    const roomB = await Room.join(b, { room_id: 'room_1', token: 't' }, environment());
    roomA.on('participant:stream', (p) => streams.push(`a<-${p.id}`));
    roomB.on('participant:stream', (p) => streams.push(`b<-${p.id}`));
    await flush(60);
    const [pcA, pcB] = [roomA.peerConnection('p_2') as unknown as FakePeerConnection, roomB.peerConnection('p_1') as unknown as FakePeerConnection];
    assert.ok(pcA && pcB);
    // Both renegotiate at the same moment (e.g. both restart ICE): their offers cross.
    a.sent = [];
    b.sent = [];
    pcA.restartIce();
    pcB.restartIce();
    await flush(60);
    // Both sides offered (A on participant:joined, B on joined): a collision.
    assert.ok(a.sentOf('switchboard:webrtc:signal').some((f) => (f.data as { signal: { description?: Desc } }).signal.description?.type === 'offer'));
    assert.ok(b.sentOf('switchboard:webrtc:signal').some((f) => (f.data as { signal: { description?: Desc } }).signal.description?.type === 'offer'));
    assert.equal(pcA.signalingState, 'stable');
    assert.equal(pcB.signalingState, 'stable');
    assert.ok(pcA.remoteDescription && pcB.remoteDescription);
    assert.equal(pcA.rollbacks + pcB.rollbacks >= 1, true, 'the polite side rolled back');
    assert.equal(pcB.rollbacks, 0, 'p_2 is impolite: it ignored the colliding offer');
    assert.ok(streams.includes('a<-p_2') && streams.includes('b<-p_1'));
    roomA.leave();
    roomB.leave();
  });

  it('mutes, disables video and announces it; hears the others\' changes as participant:audio/video', async () => {
    const conn = new FakeConnection();
    const { room } = await joinedRoom(conn, [{ id: 'p_a', user_id: 'alice' }]);
    assert.equal(room.audio.mute(), false);
    assert.equal(room.localStream?.getAudioTracks()[0]?.enabled, false);
    assert.deepEqual(conn.sentOf('switchboard:webrtc:media').at(-1)?.data, { audio: false, video: true, screen: false });
    room.video.toggle();
    assert.deepEqual(conn.sentOf('switchboard:webrtc:media').at(-1)?.data, { audio: false, video: false, screen: false });
    room.audio.toggle();
    assert.equal(room.audio.isMuted(), false);
    const heard: string[] = [];
    room.on('participant:audio', (p) => heard.push(`audio:${p.audio}`));
    room.on('participant:video', (p) => heard.push(`video:${p.video}`));
    conn.deliver('switchboard:webrtc:media', { participant_id: 'p_a', audio: false, video: true, screen: false });
    conn.deliver('switchboard:webrtc:media', { participant_id: 'p_a', audio: false, video: false, screen: false });
    assert.deepEqual(heard, ['audio:false', 'video:false']);
    room.leave();
  });

  it('screen sharing replaces the outgoing video of every peer and stop() puts the camera back', async () => {
    FakePeerConnection.all = [];
    const conn = new FakeConnection();
    const { room, env } = await joinedRoom(conn, [{ id: 'p_a' }, { id: 'p_b' }]);
    const camera = room.localStream!.getVideoTracks()[0];
    await room.screen.share();
    const screen = env.displays[0]!;
    for (const pc of FakePeerConnection.all) {
      const video = pc.senders.find((s) => s.track?.kind === 'video')!;
      assert.equal(video.track, screen);
    }
    assert.equal(conn.sentOf('switchboard:webrtc:media').at(-1)?.data && (conn.sentOf('switchboard:webrtc:media').at(-1)!.data as { screen: boolean }).screen, true);
    // A peer that arrives while sharing gets the screen too.
    conn.deliver('switchboard:webrtc:participant:joined', { id: 'p_c' });
    conn.deliver('switchboard:webrtc:signal', { from: 'p_c', signal: { description: { type: 'offer', sdp: '{"v":1,"kinds":["audio","video"]}' } } });
    await flush();
    assert.equal(FakePeerConnection.all[2]!.senders.find((s) => s.track?.kind === 'video')!.track, screen);
    screen.end();  // the browser's "Stop sharing"
    assert.equal(room.screen.isSharing(), false);
    assert.equal(screen.stopped, true);
    for (const pc of FakePeerConnection.all) assert.equal(pc.senders.find((s) => s.track?.kind === 'video')!.track, camera);
    assert.equal((conn.sentOf('switchboard:webrtc:media').at(-1)!.data as { screen: boolean }).screen, false);
    room.leave();
  });

  it('restarts ICE when a connection fails', async () => {
    FakePeerConnection.all = [];
    const conn = new FakeConnection();
    const { room } = await joinedRoom(conn, [{ id: 'p_a' }]);
    const pc = FakePeerConnection.all[0]!;
    pc.iceConnectionState = 'failed';
    pc.oniceconnectionstatechange?.();
    assert.equal(pc.restarts, 1);
    room.leave();
  });

  it('closes the peer of a participant who left and keeps the others', async () => {
    FakePeerConnection.all = [];
    const conn = new FakeConnection();
    const { room } = await joinedRoom(conn, [{ id: 'p_a' }, { id: 'p_b' }]);
    const left: string[] = [];
    room.on('participant:left', (p) => left.push(`${p.id}:${p.reason}`));
    conn.deliver('switchboard:webrtc:participant:left', { id: 'p_a', reason: 'timeout' });
    assert.deepEqual(left, ['p_a:timeout']);
    assert.equal(FakePeerConnection.all[0]!.closed, true);
    assert.equal(FakePeerConnection.all[1]!.closed, false);
    assert.deepEqual([...room.participants.keys()], ['p_b']);
    room.leave();
    assert.equal(FakePeerConnection.all[1]!.closed, true);
    assert.ok(room.localStream!.getTracks().every((t) => (t as unknown as FakeTrack).stopped));
    assert.equal(conn.sentOf('switchboard:webrtc:leave').length, 1);
  });

  it('rejoins as the same participant after a reconnect and rebuilds its peer connections', async () => {
    FakePeerConnection.all = [];
    const conn = new FakeConnection();
    const { room } = await joinedRoom(conn, [{ id: 'p_a' }]);
    conn.reconnect();
    await flush(2);
    const rejoin = conn.sentOf('switchboard:webrtc:join').at(-1)!;
    assert.equal((rejoin.data as { participant_id: string }).participant_id, 'p_m');
    assert.equal((rejoin.data as { rejoin_key: string }).rejoin_key, 'key-1');
    assert.equal(FakePeerConnection.all[0]!.closed, true);
    conn.deliver('switchboard:webrtc:joined', { participant_id: 'p_m', rejoin_key: 'key-1', participants: [{ id: 'p_a' }], ice_servers: [] });
    await flush(2);
    assert.equal(FakePeerConnection.all.length, 2);
    assert.equal(room.peerConnection('p_a'), FakePeerConnection.all[1] as unknown as RTCPeerConnection);
    room.leave();
  });

  it('reports the end of the room and stops', async () => {
    const conn = new FakeConnection();
    const { room } = await joinedRoom(conn, [{ id: 'p_a' }]);
    let ended = '';
    room.on('ended', (e) => (ended = e.reason));
    conn.deliver('switchboard:webrtc:ended', { reason: 'room_ended' });
    assert.equal(ended, 'room_ended');
    assert.equal(room.peerConnection('p_a'), undefined);
  });
});
