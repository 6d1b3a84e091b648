import type { Logger } from 'pino';
import { type PeerConfig, type RTCPeerConnection, useAbsSendTime, useNACK, useOPUS, usePLI, useREMB, useSdesMid, useTransportWideCC, useTWCC, useVP8 } from 'werift';
import type { IceServer, SessionDescription } from '../sfu';

export interface WeriftSfuOptions {
  logger: Logger;
  /**
   * Host addresses to gather ICE candidates on. `['127.0.0.1']` binds to loopback only (tests, a
   * single machine); undefined gathers on every interface plus loopback.
   */
  hostAddresses?: string[] | undefined;
  /**
   * The one address put in host candidates, in place of the interface addresses: the public IP of a
   * server behind NAT or in a container (mediasoup's announcedIp). Its sockets listen on every interface.
   */
  announcedAddress?: string | undefined;
  /** UDP port range for ICE, e.g. [40000, 40999] behind a firewall. */
  portRange?: [number, number] | undefined;
  /** STUN/TURN servers; werift uses the first stun: and the first turn: URL among them. */
  iceServers?: readonly IceServer[] | undefined;
}

const VIDEO_PT = 96;
const AUDIO_PT = 111;

/**
 * Which addresses werift turns into host candidates. werift makes one candidate per address in
 * `iceAdditionalHostAddresses` plus, with `iceUseIpv4`, one per interface address; each gets a socket
 * bound to `iceInterfaceAddresses.udp4` (or every interface when unset) and is advertised as given.
 */
function hostCandidateConfig(opts: WeriftSfuOptions): Partial<PeerConfig> {
  if (opts.announcedAddress) {
    return { iceUseIpv4: false, iceAdditionalHostAddresses: [opts.announcedAddress] };
  }
  const addresses = opts.hostAddresses;
  if (addresses && addresses.length > 0) {
    // Only the listed addresses: an interface address on a loopback-bound socket could never be reached.
    return { iceUseIpv4: false, iceAdditionalHostAddresses: addresses, iceInterfaceAddresses: { udp4: addresses[0] } };
  }
  return { iceAdditionalHostAddresses: ['127.0.0.1'] };
}

export function peerConfig(opts: WeriftSfuOptions): Partial<PeerConfig> {
  return {
    iceServers: (opts.iceServers ?? []).map((server) => ({ ...server })),
    iceUseIpv6: false,
    ...hostCandidateConfig(opts),
    ...(opts.portRange && { icePortRange: opts.portRange }),
    codecs: {
      video: [useVP8({ payloadType: VIDEO_PT, rtcpFeedback: [useNACK(), usePLI(), useREMB(), useTWCC()] })],
      audio: [useOPUS({ payloadType: AUDIO_PT })],
    },
    headerExtensions: {
      video: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
      audio: [useSdesMid(), useAbsSendTime()],
    },
  };
}

export function waitForGathering(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, 5_000);
    const sub = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') done();
    });
    function done() {
      clearTimeout(timer);
      sub.unSubscribe();
      resolve();
    }
  });
}

/** The local description to send; one without candidates cannot connect (e.g. every port of the range in use). */
export function localDescription(pc: RTCPeerConnection, side: 'publish' | 'subscribe', log: Logger): SessionDescription {
  const d = pc.localDescription;
  if (!d || (d.type !== 'offer' && d.type !== 'answer')) throw new Error('no local description');
  const description: SessionDescription = { type: d.type, sdp: d.sdp };
  if (!description.sdp.includes('a=candidate:')) log.warn({ side }, 'no ICE candidates gathered: the client cannot connect (ICE port range exhausted?)');
  return description;
}

/** A counter from a werift stats report, 0 when absent. */
export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
