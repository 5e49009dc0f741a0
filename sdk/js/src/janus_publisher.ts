// Publishes our camera and microphone to a Janus VideoRoom that records them (docs/webrtc.md
// "Recording"). The server creates the VideoRoom for a room with recording_enabled and gives its
// Janus URL, room number and pin in the join answer; this talks to Janus's HTTP API directly
// (Janus answers CORS for any origin), with one extra send-only RTCPeerConnection beside the mesh.
// The offer carries all ICE candidates (no trickle): one request, as Janus's recipe does.

import { SwitchboardError } from './errors.js';

export interface JanusRecording {
  janus_url: string;
  room: number;
  pin: string;
}

type JanusMessage = Record<string, any>;

/** Janus error 426: no such room. The server creates it just before answering the join; retry. */
const NO_SUCH_ROOM = 426;

export class JanusPublisher {
  private session = '';
  private handle = '';
  private stopped = false;
  private pc: RTCPeerConnection | null = null;
  private readonly events: JanusMessage[] = [];
  private wake: (() => void) | null = null;

  constructor(
    private readonly info: JanusRecording,
    private readonly display: string,
    private readonly PeerConnection: new (config: RTCConfiguration) => RTCPeerConnection,
  ) {}

  /** Joins the VideoRoom as a publisher and sends `stream`'s tracks; resolves once Janus answered. */
  async start(stream: MediaStream, iceServers: RTCIceServer[]): Promise<void> {
    this.session = String((await this.call('', { janus: 'create' })).data.id);
    void this.poll();
    this.handle = String((await this.call(`/${this.session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' })).data.id);
    for (let attempt = 0; ; attempt++) {
      await this.message({ request: 'join', ptype: 'publisher', room: this.info.room, pin: this.info.pin, display: this.display });
      const ev = await this.nextPluginEvent();
      if (ev.videoroom === 'joined') break;
      if (ev.error_code !== NO_SUCH_ROOM || attempt >= 20) throw janusError(ev);
      await sleep(250);
    }
    if (this.stopped) return;
    const pc = new this.PeerConnection({ iceServers });
    this.pc = pc;
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const local = pc.localDescription!;
    await this.message({ request: 'configure', audio: true, video: true }, { type: local.type, sdp: local.sdp });
    for (;;) {
      const ev = await this.nextEvent((e) => e.janus === 'event');
      if (ev.jsep?.type === 'answer') {
        await pc.setRemoteDescription(ev.jsep);
        return;
      }
      const data = ev.plugindata?.data ?? {};
      if (data.error_code) throw janusError(data);
    }
  }

  /** Replaces the video we send (screen share on and off). */
  async replaceVideo(track: MediaStreamTrack | null): Promise<void> {
    const sender = this.pc?.getSenders().find((s) => s.track?.kind === 'video');
    await sender?.replaceTrack(track);
  }

  /** Leaves the VideoRoom: Janus closes this participant's recording files. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pc?.close();
    this.pc = null;
    if (this.session) void this.call(`/${this.session}`, { janus: 'destroy' }).catch(() => undefined);
    this.wake?.();
  }

  private async call(path: string, body: JanusMessage): Promise<JanusMessage> {
    const res = await fetch(this.info.janus_url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, transaction: Math.random().toString(36).slice(2) }),
    });
    const answer = (await res.json()) as JanusMessage;
    if (answer.janus === 'error') throw janusError({ error_code: answer.error?.code, error: answer.error?.reason });
    return answer;
  }

  private message(body: JanusMessage, jsep?: RTCSessionDescriptionInit): Promise<JanusMessage> {
    return this.call(`/${this.session}/${this.handle}`, { janus: 'message', body, ...(jsep ? { jsep } : {}) });
  }

  /** Janus's HTTP API delivers asynchronous events by long poll; each poll also keeps the session alive. */
  private async poll(): Promise<void> {
    while (!this.stopped) {
      try {
        const res = await fetch(`${this.info.janus_url}/${this.session}?maxev=10&rid=${Date.now()}`);
        const got = (await res.json()) as JanusMessage | JanusMessage[];
        for (const e of Array.isArray(got) ? got : [got]) if (e.janus !== 'keepalive') this.events.push(e);
      } catch {
        await sleep(1000);
      }
      this.wake?.();
    }
  }

  private async nextEvent(pred: (e: JanusMessage) => boolean): Promise<JanusMessage> {
    for (;;) {
      if (this.stopped) throw new SwitchboardError({ code: 'recording_stopped', title: 'Recording stopped', detail: 'the room was left' });
      const i = this.events.findIndex(pred);
      if (i >= 0) return this.events.splice(i, 1)[0]!;
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
  }

  private async nextPluginEvent(): Promise<JanusMessage> {
    const ev = await this.nextEvent((e) => e.janus === 'event' && e.plugindata);
    return ev.plugindata.data;
  }
}

function janusError(d: JanusMessage): SwitchboardError {
  return new SwitchboardError({
    code: 'recording_failed',
    title: 'Recording failed',
    detail: `Janus refused: ${d.error ?? JSON.stringify(d)} (${d.error_code ?? '?'})`,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until the offer holds every local ICE candidate (Janus gets it in one request). */
function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', done);
      resolve();
    };
    pc.addEventListener('icegatheringstatechange', done);
  });
}
