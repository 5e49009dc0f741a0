// WebRTC rooms (docs/webrtc.md): a mesh call whose signaling travels over the Switchboard
// connection (docs/protocol.md "WebRTC signaling").
//
//   const room = await client.realtime.webrtc.join({ room_id, token, audio: true, video: true });
//   room.on('participant:stream', (p) => attach(p.id, p.stream));
//   room.audio.mute(); await room.screen.share(); room.leave();
//
// One RTCPeerConnection per other participant. A newcomer offers to everyone already in the
// room; they answer. After that, negotiation is "perfect negotiation" (W3C WebRTC 1.0 §10.7):
// either side may offer at any time (screen share without a video sender, ICE restarts); on a
// collision the impolite side (the greater participant id) ignores the other's offer and the
// polite side rolls back, so two peers renegotiating at once never deadlock. A connection whose
// ICE fails restarts ICE.

import { JanusPublisher, type JanusRecording } from './janus_publisher.js';
import { Emitter } from './emitter.js';
import { SwitchboardError } from './errors.js';
import { ErrorCodes } from './codes.js';

/** A frame of the signaling protocol. */
export interface SignalingFrame {
  event: string;
  channel?: string;
  data?: unknown;
}

/** What a room needs from the connection: send a frame, hear frames, hear reconnects. */
export interface WebRtcSignaling {
  /** False when the connection is down (the frame was not sent). */
  send(frame: SignalingFrame): boolean;
  /** Frames whose event starts with `switchboard:webrtc:`; returns an unsubscribe function. */
  onFrame(listener: (frame: SignalingFrame) => void): () => void;
  /** Called after the connection came back (a new socket): the room rejoins. */
  onReconnected(listener: () => void): () => void;
}

/** Browser APIs, injectable for tests. */
export interface WebRtcEnvironment {
  RTCPeerConnection: new (config: RTCConfiguration) => RTCPeerConnection;
  MediaStream: new (tracks?: MediaStreamTrack[]) => MediaStream;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia(constraints: DisplayMediaStreamOptions): Promise<MediaStream>;
}

export interface JoinRoomParams {
  room_id: string;
  /** The room token from `POST /v1/realtime/webrtc/rooms`. */
  token: string;
  audio?: boolean;
  video?: boolean;
  /** Shown to the others (e.g. `{ name: 'Alice' }`). */
  user_data?: unknown;
  /** For connections without a user token; a token connection joins as its user. */
  user_id?: string;
  /** Use this stream instead of asking for camera and microphone. */
  localStream?: MediaStream;
  /** 'relay' forces every connection through TURN. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** ICE servers used in addition to those the server gives. */
  iceServers?: RTCIceServer[];
}

export interface Participant {
  id: string;
  user_id: string;
  user_data: unknown;
  audio: boolean;
  video: boolean;
  screen: boolean;
  stream: MediaStream | null;
}

export interface RoomEventMap {
  'participant:joined': Participant;
  'participant:left': Participant & { reason: string };
  'participant:stream': Participant;
  'participant:audio': Participant;
  'participant:video': Participant;
  'participant:screen': Participant;
  /** A peer connection changed state ('connected', 'failed', …). */
  'participant:connection': Participant & { state: RTCPeerConnectionState };
  /** The room was ended (DELETE on the REST API) or this participant was refused on rejoin. */
  ended: { reason: string };
  error: SwitchboardError;
}

interface Peer {
  participant: Participant;
  pc: RTCPeerConnection;
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  videoSender: RTCRtpSender | null;
  chain: Promise<void>;
  /** Created for an incoming offer: our own first offer would only collide with it. */
  answering: boolean;
}

interface JoinedData {
  /** Present when the room records: publish to this Janus VideoRoom too. */
  recording?: JanusRecording;
  participant_id: string;
  user_id: string;
  rejoin_key: string;
  participants: Array<Omit<Participant, 'stream'>>;
  ice_servers: RTCIceServer[];
}

function browserEnvironment(): WebRtcEnvironment {
  const g = globalThis as unknown as {
    RTCPeerConnection?: WebRtcEnvironment['RTCPeerConnection'];
    MediaStream?: WebRtcEnvironment['MediaStream'];
    navigator?: { mediaDevices?: MediaDevices };
  };
  const devices = g.navigator?.mediaDevices;
  if (!g.RTCPeerConnection || !g.MediaStream || !devices) {
    throw new SwitchboardError({
      code: ErrorCodes.configuration,
      title: 'WebRTC unavailable',
      detail: 'this environment has no RTCPeerConnection/mediaDevices (a browser on https or localhost has them)',
    });
  }
  return {
    RTCPeerConnection: g.RTCPeerConnection,
    MediaStream: g.MediaStream,
    getUserMedia: (c) => devices.getUserMedia(c),
    getDisplayMedia: (c) => devices.getDisplayMedia(c),
  };
}

function asParticipant(d: Partial<Participant> & { id: string }): Participant {
  return {
    id: d.id,
    user_id: typeof d.user_id === 'string' ? d.user_id : d.id,
    user_data: d.user_data ?? null,
    audio: d.audio !== false,
    video: d.video !== false,
    screen: d.screen === true,
    stream: null,
  };
}

function roomError(data: unknown): SwitchboardError {
  const d = (data ?? {}) as { code?: string; detail?: string; status?: number };
  return new SwitchboardError({
    code: typeof d.code === 'string' ? d.code : ErrorCodes.invalidRequest,
    title: 'WebRTC room error',
    detail: typeof d.detail === 'string' ? d.detail : 'the server refused a WebRTC command',
    status: typeof d.status === 'number' ? d.status : undefined,
  });
}

/** One joined call. Create it with `client.realtime.webrtc.join()` (or `Room.join`). */
export class Room extends Emitter<RoomEventMap> {
  readonly id: string;
  /** Our camera and microphone (null when joined with neither). */
  localStream: MediaStream | null = null;
  /** Our participant id in the room (kept across reconnects within the server's grace period). */
  participantId = '';
  /** Everyone else in the room, by participant id. */
  readonly participants = new Map<string, Participant>();

  private readonly peers = new Map<string, Peer>();
  private iceServers: RTCIceServer[] = [];
  private rejoinKey = '';
  private screenTrack: MediaStreamTrack | null = null;
  private ownsLocalStream = false;
  private left = false;
  private readonly unsubscribe: Array<() => void> = [];
  /** Our publisher in the room's recording VideoRoom (rooms with recording_enabled). */
  private recorder: JanusPublisher | null = null;
  private pendingJoin: { resolve: (d: JoinedData) => void; reject: (e: SwitchboardError) => void } | null = null;

  /** Camera controls: `room.video.toggle()`, `enable()`, `disable()`. */
  readonly video = {
    toggle: (): boolean => this.setVideo(!this.videoOn()),
    enable: (): boolean => this.setVideo(true),
    disable: (): boolean => this.setVideo(false),
    isEnabled: (): boolean => this.videoOn(),
  };
  /** Microphone controls: `room.audio.toggle()`, `mute()`, `unmute()`. */
  readonly audio = {
    toggle: (): boolean => this.setAudio(!this.audioOn()),
    mute: (): boolean => this.setAudio(false),
    unmute: (): boolean => this.setAudio(true),
    isMuted: (): boolean => !this.audioOn(),
  };
  /** Screen sharing: replaces the video every peer receives. `share()` needs a user gesture. */
  readonly screen = {
    share: (): Promise<void> => this.shareScreen(),
    stop: (): void => this.stopScreen(),
    isSharing: (): boolean => this.screenTrack !== null,
  };

  private constructor(
    private readonly signaling: WebRtcSignaling,
    private readonly params: JoinRoomParams,
    private readonly env: WebRtcEnvironment,
  ) {
    super();
    this.id = params.room_id;
  }

  /** Gets the camera/microphone (unless given), joins, and connects to everyone in the room. */
  static async join(signaling: WebRtcSignaling, params: JoinRoomParams, env?: WebRtcEnvironment): Promise<Room> {
    if (!params || typeof params.room_id !== 'string' || !params.room_id || typeof params.token !== 'string' || !params.token) {
      throw new SwitchboardError({ code: ErrorCodes.invalidRequest, title: 'Invalid parameters', detail: 'join needs room_id and token' });
    }
    const room = new Room(signaling, params, env ?? browserEnvironment());
    await room.start();
    return room;
  }

  on<K extends keyof RoomEventMap>(event: K, listener: (payload: RoomEventMap[K]) => void): this {
    this.addListener(event, listener as never);
    return this;
  }

  off<K extends keyof RoomEventMap>(event: K, listener?: (payload: RoomEventMap[K]) => void): this {
    this.removeListener(event, listener as never);
    return this;
  }

  /** Leaves the call: closes every peer connection and stops the media this room opened. */
  leave(): void {
    if (this.left) return;
    this.left = true;
    this.signaling.send({ event: 'switchboard:webrtc:leave', channel: this.id, data: {} });
    this.teardown();
  }

  /** The RTCPeerConnection to a participant (for getStats and diagnostics). */
  peerConnection(participantId: string): RTCPeerConnection | undefined {
    return this.peers.get(participantId)?.pc;
  }

  // ---- joining ---------------------------------------------------------------------------------

  private async start(): Promise<void> {
    const wantAudio = this.params.audio !== false;
    const wantVideo = this.params.video !== false;
    if (this.params.localStream) {
      this.localStream = this.params.localStream;
    } else if (wantAudio || wantVideo) {
      this.localStream = await this.env.getUserMedia({ audio: wantAudio, video: wantVideo });
      this.ownsLocalStream = true;
    }
    this.unsubscribe.push(this.signaling.onFrame((f) => this.onFrame(f)));
    this.unsubscribe.push(this.signaling.onReconnected(() => void this.rejoin()));
    try {
      const joined = await this.sendJoin(false);
      this.onJoined(joined);
    } catch (err) {
      this.teardown();
      throw err;
    }
  }

  private sendJoin(rejoin: boolean): Promise<JoinedData> {
    return new Promise<JoinedData>((resolve, reject) => {
      this.pendingJoin = { resolve, reject };
      const data: Record<string, unknown> = {
        token: this.params.token,
        audio: this.audioOn(),
        video: this.videoOn(),
      };
      if (this.params.user_data !== undefined) data.user_data = this.params.user_data;
      if (this.params.user_id !== undefined) data.user_id = this.params.user_id;
      if (rejoin) {
        data.participant_id = this.participantId;
        data.rejoin_key = this.rejoinKey;
      }
      if (!this.signaling.send({ event: 'switchboard:webrtc:join', channel: this.id, data })) {
        this.pendingJoin = null;
        reject(new SwitchboardError({ code: ErrorCodes.connectionFailed, title: 'Not connected', detail: 'the connection is down; join again once connected' }));
      }
    });
  }

  private onJoined(d: JoinedData): void {
    this.participantId = d.participant_id;
    this.rejoinKey = d.rejoin_key;
    this.iceServers = [...(Array.isArray(d.ice_servers) ? d.ice_servers : []), ...(this.params.iceServers ?? [])];
    for (const p of d.participants) {
      const participant = asParticipant(p);
      this.participants.set(participant.id, participant);
      this.emit('participant:joined', participant);
      this.connect(participant);
    }
    this.startRecording(d);
  }

  /** A recording room: publish our tracks to its Janus VideoRoom as well (once per join). */
  private startRecording(d: JoinedData): void {
    const info = d.recording;
    if (!info || this.recorder || !this.localStream || this.localStream.getTracks().length === 0) return;
    const recorder = new JanusPublisher(info, this.participantId, this.env.RTCPeerConnection);
    this.recorder = recorder;
    recorder.start(this.localStream, this.iceServers).catch((err: unknown) => {
      if (this.recorder !== recorder) return;  // left meanwhile: nothing to report
      this.emit('error', err instanceof SwitchboardError ? err : new SwitchboardError({ code: 'recording_failed', title: 'Recording failed', detail: String(err) }));
    });
  }

  /** After a reconnect: take our participant back and rebuild every peer connection. */
  private async rejoin(): Promise<void> {
    if (this.left || !this.participantId) return;
    for (const id of [...this.peers.keys()]) this.closePeer(id);
    try {
      const joined = await this.sendJoin(true);
      const before = new Set(this.participants.keys());
      const now = new Set(joined.participants.map((p) => p.id));
      for (const id of before) {
        if (!now.has(id)) this.removeParticipant(id, 'left');
      }
      this.participantId = joined.participant_id;
      this.rejoinKey = joined.rejoin_key;
      for (const p of joined.participants) {
        const known = this.participants.get(p.id);
        const participant = known ?? asParticipant(p);
        Object.assign(participant, { audio: p.audio !== false, video: p.video !== false, screen: p.screen === true });
        if (!known) {
          this.participants.set(participant.id, participant);
          this.emit('participant:joined', participant);
        }
        this.connect(participant);
      }
    } catch (err) {
      const e = err as SwitchboardError;
      this.emit('error', e);
      if (e.code === 'invalid_rejoin' || e.code === 'room_not_found') {
        this.emit('ended', { reason: e.code });
        this.left = true;
        this.teardown();
      }
    }
  }

  // ---- frames ----------------------------------------------------------------------------------

  private onFrame(f: SignalingFrame): void {
    if (f.channel !== this.id || this.left) return;
    const data = (f.data ?? {}) as Record<string, unknown>;
    switch (f.event) {
      case 'switchboard:webrtc:joined': {
        const pending = this.pendingJoin;
        this.pendingJoin = null;
        pending?.resolve(data as unknown as JoinedData);
        return;
      }
      case 'switchboard:webrtc:error': {
        const err = roomError(data);
        if (data.action === 'join' && this.pendingJoin) {
          const pending = this.pendingJoin;
          this.pendingJoin = null;
          pending.reject(err);
        } else {
          this.emit('error', err);
        }
        return;
      }
      case 'switchboard:webrtc:participant:joined': {
        const p = asParticipant(data as unknown as Participant);
        if (data.rejoined === true || this.peers.has(p.id)) this.closePeer(p.id);
        const known = this.participants.get(p.id);
        if (known) Object.assign(known, { audio: p.audio, video: p.video, screen: p.screen });
        const participant = known ?? p;
        if (!known) {
          this.participants.set(p.id, participant);
          this.emit('participant:joined', participant);
        }
        // The newcomer offers to everyone already there: we answer when its offer arrives, so an
        // ordinary join never collides (perfect negotiation still settles later collisions).
        return;
      }
      case 'switchboard:webrtc:participant:left':
        this.removeParticipant(String(data.id), typeof data.reason === 'string' ? data.reason : 'left');
        return;
      case 'switchboard:webrtc:signal':
        this.onSignal(String(data.from), (data.signal ?? {}) as { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit | null });
        return;
      case 'switchboard:webrtc:media': {
        const p = this.participants.get(String(data.participant_id));
        if (!p) return;
        const audio = data.audio !== false;
        const video = data.video !== false;
        const screen = data.screen === true;
        const changed = { audio: p.audio !== audio, video: p.video !== video, screen: p.screen !== screen };
        Object.assign(p, { audio, video, screen });
        if (changed.audio) this.emit('participant:audio', p);
        if (changed.video) this.emit('participant:video', p);
        if (changed.screen) this.emit('participant:screen', p);
        return;
      }
      case 'switchboard:webrtc:ended':
        this.left = true;
        this.teardown();
        this.emit('ended', { reason: typeof data.reason === 'string' ? data.reason : 'room_ended' });
        return;
    }
  }

  private removeParticipant(id: string, reason: string): void {
    const p = this.participants.get(id);
    this.closePeer(id);
    if (!p) return;
    this.participants.delete(id);
    this.emit('participant:left', { ...p, reason });
  }

  // ---- peer connections --------------------------------------------------------------------------

  private connect(participant: Participant, answering = false): void {
    if (this.peers.has(participant.id)) return;
    const config: RTCConfiguration = { iceServers: this.iceServers };
    if (this.params.iceTransportPolicy) config.iceTransportPolicy = this.params.iceTransportPolicy;
    const pc = new this.env.RTCPeerConnection(config);
    const peer: Peer = {
      participant,
      pc,
      // Perfect negotiation needs one polite side per pair: the smaller participant id.
      polite: this.participantId < participant.id,
      makingOffer: false,
      ignoreOffer: false,
      videoSender: null,
      chain: Promise.resolve(),
      answering,
    };
    this.peers.set(participant.id, peer);
    const send = (signal: Record<string, unknown>) =>
      this.signaling.send({ event: 'switchboard:webrtc:signal', channel: this.id, data: { to: participant.id, signal } });

    pc.onnegotiationneeded = async () => {
      if (peer.answering) return;  // the answer carries our tracks; the browser asks again if more is needed
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        if (pc.localDescription) send({ description: pc.localDescription.toJSON?.() ?? pc.localDescription });
      } catch (err) {
        this.emit('error', new SwitchboardError({ code: 'negotiation_failed', title: 'Negotiation failed', detail: String(err) }));
      } finally {
        peer.makingOffer = false;
      }
    };
    pc.onicecandidate = (e) => {
      if (e.candidate) send({ candidate: e.candidate.toJSON?.() ?? e.candidate });
    };
    pc.ontrack = (e) => {
      const stream = e.streams[0];
      if (stream) {
        participant.stream = stream;
      } else {
        if (!participant.stream) participant.stream = new this.env.MediaStream();
        participant.stream.addTrack(e.track);
      }
      this.emit('participant:stream', participant);
    };
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === 'failed') pc.restartIce();
    };
    pc.onconnectionstatechange = () => {
      this.emit('participant:connection', { ...participant, state: pc.connectionState });
    };

    const stream = this.localStream;
    if (stream) {
      for (const track of stream.getTracks()) {
        const outgoing = track.kind === 'video' && this.screenTrack ? this.screenTrack : track;
        const sender = pc.addTrack(outgoing, stream);
        if (track.kind === 'video') peer.videoSender = sender;
      }
      if (this.screenTrack && !stream.getVideoTracks().length) peer.videoSender = pc.addTrack(this.screenTrack, stream);
    } else if (this.screenTrack) {
      peer.videoSender = pc.addTrack(this.screenTrack);
    }
    // With nothing to send, still receive: the side that offers must ask for media.
    if (!stream || !stream.getAudioTracks().length) pc.addTransceiver('audio', { direction: 'recvonly' });
    if (!peer.videoSender) pc.addTransceiver('video', { direction: 'recvonly' });
  }

  private onSignal(from: string, signal: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit | null }): void {
    const participant = this.participants.get(from);
    if (!this.peers.has(from) && participant && signal.description?.type === 'offer') this.connect(participant, true);
    const peer = this.peers.get(from);
    if (!peer) return;
    // One signal at a time per peer, in arrival order.
    peer.chain = peer.chain.then(() => this.applySignal(peer, signal)).catch((err: unknown) => {
      this.emit('error', new SwitchboardError({ code: 'negotiation_failed', title: 'Negotiation failed', detail: String(err) }));
    });
  }

  private async applySignal(peer: Peer, signal: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit | null }): Promise<void> {
    const { pc } = peer;
    if (this.peers.get(peer.participant.id) !== peer) return;  // replaced meanwhile
    if (signal.description) {
      const description = signal.description;
      const collision = description.type === 'offer' && (peer.makingOffer || pc.signalingState !== 'stable');
      peer.ignoreOffer = !peer.polite && collision;
      if (peer.ignoreOffer) return;
      await pc.setRemoteDescription(description);  // a polite peer rolls back its own offer here
      if (description.type === 'offer') {
        await pc.setLocalDescription();
        if (pc.localDescription) {
          this.signaling.send({
            event: 'switchboard:webrtc:signal',
            channel: this.id,
            data: { to: peer.participant.id, signal: { description: pc.localDescription.toJSON?.() ?? pc.localDescription } },
          });
        }
        peer.answering = false;
      }
    } else if (signal.candidate) {
      try {
        await pc.addIceCandidate(signal.candidate);
      } catch (err) {
        if (!peer.ignoreOffer) throw err;
      }
    }
  }

  private closePeer(id: string): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    peer.pc.onnegotiationneeded = null;
    peer.pc.onicecandidate = null;
    peer.pc.ontrack = null;
    peer.pc.oniceconnectionstatechange = null;
    peer.pc.onconnectionstatechange = null;
    peer.pc.close();
  }

  private teardown(): void {
    for (const id of [...this.peers.keys()]) this.closePeer(id);
    const recorder = this.recorder;
    this.recorder = null;
    recorder?.stop();
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.pendingJoin) {
      const pending = this.pendingJoin;
      this.pendingJoin = null;
      pending.reject(new SwitchboardError({ code: 'room_left', title: 'Left', detail: 'the room was left before the join was answered' }));
    }
    this.screenTrack?.stop();
    this.screenTrack = null;
    if (this.ownsLocalStream) for (const t of this.localStream?.getTracks() ?? []) t.stop();
  }

  // ---- media -------------------------------------------------------------------------------------

  private audioOn(): boolean {
    const tracks = this.localStream?.getAudioTracks() ?? [];
    return tracks.length > 0 && tracks.some((t) => t.enabled);
  }

  private videoOn(): boolean {
    const tracks = this.localStream?.getVideoTracks() ?? [];
    return tracks.length > 0 && tracks.some((t) => t.enabled);
  }

  private setAudio(on: boolean): boolean {
    for (const t of this.localStream?.getAudioTracks() ?? []) t.enabled = on;
    this.announceMedia();
    return this.audioOn();
  }

  private setVideo(on: boolean): boolean {
    for (const t of this.localStream?.getVideoTracks() ?? []) t.enabled = on;
    this.announceMedia();
    return this.videoOn();
  }

  private announceMedia(): void {
    if (this.left) return;
    this.signaling.send({
      event: 'switchboard:webrtc:media',
      channel: this.id,
      data: { audio: this.audioOn(), video: this.videoOn(), screen: this.screenTrack !== null },
    });
  }

  private async shareScreen(): Promise<void> {
    if (this.screenTrack) return;
    const display = await this.env.getDisplayMedia({ video: true, audio: false });
    const track = display.getVideoTracks()[0];
    if (!track) throw new SwitchboardError({ code: ErrorCodes.invalidRequest, title: 'No screen', detail: 'getDisplayMedia gave no video track' });
    // Text on a screen must stay readable: under load the encoder lowers the frame rate, not the size.
    if ('contentHint' in track) track.contentHint = 'detail';
    this.screenTrack = track;
    track.addEventListener?.('ended', () => this.stopScreen());
    await Promise.all(
      [...this.peers.values()].map(async (peer) => {
        if (peer.videoSender) await peer.videoSender.replaceTrack(track);
        else peer.videoSender = peer.pc.addTrack(track, this.localStream ?? display);  // renegotiates
      }),
    );
    // The recording shows what the others see (only when we publish a camera to replace).
    void this.recorder?.replaceVideo(track).catch(() => undefined);
    this.announceMedia();
  }

  private stopScreen(): void {
    const track = this.screenTrack;
    if (!track) return;
    this.screenTrack = null;
    track.stop();
    const camera = this.localStream?.getVideoTracks()[0] ?? null;
    for (const peer of this.peers.values()) void peer.videoSender?.replaceTrack(camera);
    void this.recorder?.replaceVideo(camera).catch(() => undefined);
    this.announceMedia();
  }
}

/** Attributes of `POST /v1/realtime/webrtc/rooms` (docs/webrtc.md). */
export interface RoomAttributes {
  name?: string;
  max_participants?: number;
  recording_enabled?: boolean;
  token_expires_in?: number;
  settings?: {
    video?: { enabled?: boolean; quality?: 'sd' | 'hd' | 'fhd' };
    audio?: { enabled?: boolean; noise_suppression?: boolean };
    screen_sharing?: { enabled?: boolean };
  };
}

/** A room as the REST API answers it. */
export interface RoomResource {
  id: string;
  type: 'webrtc_rooms';
  attributes: Required<Omit<RoomAttributes, 'token_expires_in'>> & {
    join_url: string;
    token: string;
    token_expires_at: string;
    participant_count: number;
    created_at: string;
    updated_at: string;
  };
}
