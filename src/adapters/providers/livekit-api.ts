import {
  AccessToken, EgressClient, EncodedFileOutput, EncodedFileType, type EgressInfo as SdkEgressInfo, RoomServiceClient, S3Upload, SegmentedFileOutput,
  SegmentedFileProtocol, ServerError,
} from 'livekit-server-sdk';
import { type EgressInfo, EgressInfoSchema } from '../../domain/providers/livekit/egress';
import { LiveKitApiError, type LiveKitErrorKind } from '../../domain/providers/livekit/api-error';
import { causeMessage } from '../../domain/error-text';

/**
 * A thin client for the LiveKit calls Aula makes, on the official server SDK (Twirp over HTTP): egress start, stop
 * and lookup, room permissions, and access tokens. It translates the SDK's answers into Aula's own egress type and
 * typed errors; what to do about an error is decided by the caller.
 */

export interface LiveKitCredentials {
  /** The server's HTTP(S) API base, e.g. https://livekit.example.org. */
  apiUrl: string;
  apiKey: string;
  apiSecret: string;
}

/** Egress writes into Aula's S3 bucket (with these credentials), or into a directory shared with the egress host. */
export type EgressDestination =
  | { kind: 's3'; bucket: string; region: string; endpoint: string | undefined; accessKeyId: string; secretAccessKey: string; forcePathStyle: boolean }
  | { kind: 'directory' };

export interface RoomCompositeRequest {
  roomName: string;
  /** Path prefix of every output (a key in the bucket, or a path on the egress host). */
  prefix: string;
  segmentSeconds: number;
  destination: EgressDestination;
}

export interface JoinGrants {
  canPublish: boolean;
  canSubscribe: boolean;
  canPublishData: boolean;
  roomAdmin: boolean;
}

function toDomain(info: SdkEgressInfo): EgressInfo {
  return EgressInfoSchema.parse(info.toJson({ emitDefaultValues: false }));
}

function translate(what: string, err: unknown): LiveKitApiError {
  if (err instanceof ServerError) {
    const kind: LiveKitErrorKind = err.status === 401 || err.status === 403 ? 'unauthorized' : err.status === 404 ? 'not_found' : err.status >= 500 ? 'server' : 'client';
    return new LiveKitApiError(kind, err.status, `${what} → HTTP ${err.status}${err.code ? ` ${err.code}` : ''}: ${err.message}`);
  }
  return new LiveKitApiError('network', null, `${what} failed: ${causeMessage(err)}`);
}

export function createLiveKitApi(opts: { timeoutSeconds?: number } = {}) {
  const clientOptions = { requestTimeout: opts.timeoutSeconds ?? 10, failover: false };
  const egress = (c: LiveKitCredentials) => new EgressClient(c.apiUrl, c.apiKey, c.apiSecret, clientOptions);
  const rooms = (c: LiveKitCredentials) => new RoomServiceClient(c.apiUrl, c.apiKey, c.apiSecret, clientOptions);

  function s3Output(d: Extract<EgressDestination, { kind: 's3' }>) {
    return {
      case: 's3' as const,
      value: new S3Upload({ bucket: d.bucket, region: d.region, endpoint: d.endpoint ?? '', accessKey: d.accessKeyId, secret: d.secretAccessKey, forcePathStyle: d.forcePathStyle }),
    };
  }

  return {
    /** Records the room's composite view as HLS segments plus an MP4 file. */
    async startRoomCompositeEgress(c: LiveKitCredentials, r: RoomCompositeRequest): Promise<EgressInfo> {
      const output = r.destination.kind === 's3' ? s3Output(r.destination) : { case: undefined };
      const segments = new SegmentedFileOutput({
        protocol: SegmentedFileProtocol.HLS_PROTOCOL, filenamePrefix: `${r.prefix}/hls/segment`, playlistName: `${r.prefix}/hls/index.m3u8`,
        livePlaylistName: `${r.prefix}/hls/live.m3u8`, segmentDuration: r.segmentSeconds, output,
      });
      const file = new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: `${r.prefix}/recording.mp4`, output });
      try {
        return toDomain(await egress(c).startRoomCompositeEgress(r.roomName, { segments, file }));
      } catch (err) {
        throw translate(`LiveKit StartRoomCompositeEgress for room ${r.roomName}`, err);
      }
    },

    async stopEgress(c: LiveKitCredentials, egressId: string): Promise<EgressInfo> {
      try {
        return toDomain(await egress(c).stopEgress(egressId));
      } catch (err) {
        throw translate(`LiveKit StopEgress ${egressId}`, err);
      }
    },

    /** The egress as LiveKit knows it now, or null when LiveKit has no such egress. */
    async getEgress(c: LiveKitCredentials, egressId: string): Promise<EgressInfo | null> {
      try {
        const [info] = await egress(c).listEgress({ egressId });
        return info ? toDomain(info) : null;
      } catch (err) {
        const e = translate(`LiveKit ListEgress ${egressId}`, err);
        if (e.kind === 'not_found') return null;
        throw e;
      }
    },

    /** Egress records a room that exists: the class's room is made (or found) before recording starts. */
    async ensureRoom(c: LiveKitCredentials, roomName: string, emptyTimeoutSeconds: number): Promise<void> {
      try {
        await rooms(c).createRoom({ name: roomName, emptyTimeout: emptyTimeoutSeconds });
      } catch (err) {
        throw translate(`LiveKit CreateRoom ${roomName}`, err);
      }
    },

    /** Whether a participant may publish audio and video (a student let to speak), changed in the room at once. */
    async setCanPublish(c: LiveKitCredentials, roomName: string, identity: string, canPublish: boolean): Promise<void> {
      try {
        await rooms(c).updateParticipant(roomName, identity, { permission: { canPublish, canSubscribe: true, canPublishData: true } });
      } catch (err) {
        throw translate(`LiveKit UpdateParticipant ${identity} in ${roomName}`, err);
      }
    },

    /** A join token for one room only. */
    async joinToken(c: LiveKitCredentials, p: { roomName: string; identity: string; name: string; ttlSeconds: number; grants: JoinGrants }): Promise<string> {
      const token = new AccessToken(c.apiKey, c.apiSecret, { identity: p.identity, name: p.name, ttl: p.ttlSeconds });
      token.addGrant({ room: p.roomName, roomJoin: true, ...p.grants });
      return token.toJwt();
    },

    /** Checks the key and secret with one harmless authenticated call. */
    async checkCredentials(c: LiveKitCredentials): Promise<void> {
      try {
        await egress(c).listEgress({ active: true });
      } catch (err) {
        throw translate('LiveKit ListEgress', err);
      }
    },
  };
}

export type LiveKitApi = ReturnType<typeof createLiveKitApi>;
