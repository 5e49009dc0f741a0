// @switchboard/sdk: the public API.
export { createClient, create23BlocksClient, SwitchboardClient, RealtimeApi, isPublishableKey } from './client.js';
export { Realtime } from './realtime.js';
export { Channel, type SubscriptionState } from './channel.js';
export { Presence } from './presence.js';
export { Typing } from './typing.js';
export { History } from './history.js';
export { Receipts } from './receipts.js';
export {
  Room,
  type JoinRoomParams,
  type Participant,
  type RoomAttributes,
  type RoomEventMap,
  type RoomResource,
  type SignalingFrame,
  type WebRtcEnvironment,
  type WebRtcSignaling,
} from './webrtc.js';
export { SwitchboardError } from './errors.js';
export { CloseCodes, ErrorCodes, closeAction, type CloseAction, type CloseCode, type ErrorCode } from './codes.js';
export { backoffDelay, BACKOFF_FLOOR_MS } from './backoff.js';
export { webSocketTransport, type Transport, type TransportFactory, type TransportHandlers } from './transport.js';
export { VERSION } from './version.js';
export type * from './types.js';
import type { Channel } from './channel.js';
/** The seed's name for a channel (`import { RealtimeChannel } from '@23blocks/sdk'`). */
export type RealtimeChannel = Channel;
