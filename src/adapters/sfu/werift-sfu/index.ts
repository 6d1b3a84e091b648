import type { Sfu } from '../sfu';
import { peerConfig, type WeriftSfuOptions } from './config';
import { WeriftRoom } from './room';

export type { WeriftSfuOptions } from './config';

/** The SFU on werift: WebRTC in Node, RTP forwarded without decoding. */
export function createWeriftSfu(opts: WeriftSfuOptions): Sfu {
  const config = peerConfig(opts);
  if (opts.announcedAddress || opts.portRange || opts.iceServers?.length) {
    // Server URLs only: TURN credentials stay out of the log.
    const iceServers = (opts.iceServers ?? []).flatMap((server) => server.urls);
    opts.logger.info({ announcedAddress: opts.announcedAddress, portRange: opts.portRange, iceServers }, 'live media ICE settings');
  }
  const rooms = new Map<string, WeriftRoom>();
  return {
    createRoom(roomId) {
      if (rooms.has(roomId)) throw new Error(`room ${roomId} exists`);
      const room = new WeriftRoom(roomId, config, opts.logger.child({ roomId }), () => rooms.delete(roomId));
      rooms.set(roomId, room);
      return room;
    },
    async close() {
      await Promise.allSettled([...rooms.values()].map((r) => r.close()));
      rooms.clear();
    },
  };
}
