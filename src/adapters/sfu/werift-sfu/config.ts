import type { Logger } from 'pino';
import { type PeerConfig, RTCRtpCodecParameters, type RTCPeerConnection, useAbsSendTime, useNACK, useOPUS, usePLI, useREMB, useSdesMid, useTransportWideCC, useTWCC, useVP8 } from 'werift';
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
const VIDEO_RTX_PT = 97;
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
      // With a retransmission stream Chromium sends its repairs and bandwidth probes there, not as empty packets
      // inside the picture's own sequence.
      video: [
        useVP8({ payloadType: VIDEO_PT, rtcpFeedback: [useNACK(), usePLI(), useREMB(), useTWCC()] }),
        new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90_000, payloadType: VIDEO_RTX_PT, parameters: `apt=${VIDEO_PT}` }),
      ],
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

/**
 * Chromium starts its send estimate at 300 kb/s and, seeing so little, starts a 720p camera at a quarter of its
 * size, which it then grows back only slowly. Its `x-google-start-bitrate` codec parameter in the answer to a
 * publisher starts it where a class needs to be; the transport-wide feedback corrects it within a second where
 * the path carries less.
 */
export function withVideoStartBitrate(sdp: string, kbps: number): string {
  const lines = sdp.split('\r\n');
  const out: string[] = [];
  const vp8 = new Set<string>();
  for (const line of lines) {
    const m = /^a=rtpmap:(\d+) VP8\/90000/i.exec(line);
    if (m) vp8.add(m[1]!);
  }
  const withFmtp = new Set(lines.map((l) => /^a=fmtp:(\d+) /.exec(l)?.[1]).filter((pt): pt is string => pt !== undefined && vp8.has(pt)));
  for (const line of lines) {
    const fmtp = /^a=fmtp:(\d+) /.exec(line);
    if (fmtp && vp8.has(fmtp[1]!) && !line.includes('x-google-start-bitrate')) {
      out.push(`${line};x-google-start-bitrate=${kbps}`);
      continue;
    }
    out.push(line);
    const rtpmap = /^a=rtpmap:(\d+) VP8\/90000/i.exec(line);
    if (rtpmap && !withFmtp.has(rtpmap[1]!)) out.push(`a=fmtp:${rtpmap[1]} x-google-start-bitrate=${kbps}`);
  }
  return out.join('\r\n');
}

/** A counter from a werift stats report, 0 when absent. */
export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
