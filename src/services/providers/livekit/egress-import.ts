import type { Logger } from 'pino';
import type { MediaProbe } from '../../../domain/media/ladder';
import { buildMasterPlaylist, hlsCodecsOf, measureBandwidth, parseMediaPlaylist } from '../../../domain/media/ladder';
import type { MediaStorage } from '../../../adapters/storage/media-storage';
import type { RecordingMedia, RecordingMetadata } from '../../../domain/recording-media';
import { recordingPrefix } from '../../../domain/recording-media';

/** The rendition egress made, published as it is: no re-encode, no remux. */
const RENDITION = 'egress';

export interface EgressOutputs {
  /** Where egress wrote: Aula's own storage (S3) or the shared egress directory. */
  store: MediaStorage;
  /** This egress's prefix in that store. */
  prefix: string;
}

export interface PublishedEgress {
  media: RecordingMedia;
  metadata: RecordingMetadata;
  /** The MP4 egress also wrote, moved in as the recording's source; null when egress made none. */
  source: { key: string; size: number } | null;
}

export interface EgressImportDeps {
  storage: MediaStorage;
  /** A small stored object as text (the egress playlist). */
  readStoredText(store: Pick<MediaStorage, 'read'>, key: string): Promise<string>;
  probe(file: string): Promise<MediaProbe>;
  log: Logger;
}

/**
 * Moves a finished egress into the recording: its MP4 becomes the source of the rest of the ladder, and its HLS
 * segments become the recording's first rendition under a master playlist, so it plays at once. Files the egress
 * store cannot hand over in place are brought into `dir`, a work folder the caller removes afterwards.
 */
export async function publishEgress(deps: EgressImportDeps, recordingId: string, from: EgressOutputs, dir: string): Promise<PublishedEgress> {
  const { storage } = deps;
  const hlsKey = `${from.prefix}/hls/index.m3u8`;
  const { segments } = parseMediaPlaylist(await deps.readStoredText(from.store, hlsKey));
  if (segments.length === 0) throw new Error(`the egress playlist ${hlsKey} lists no segments`);
  const prefix = recordingPrefix(recordingId);
  // The MP4 first: a recording is never ready with a source that is not in place.
  const mp4Key = `${from.prefix}/recording.mp4`;
  const mp4 = await from.store.stat(mp4Key);
  let source: PublishedEgress['source'] = null;
  if (mp4) {
    const local = await from.store.localPathFor(mp4Key, dir);
    source = { key: `${prefix}source/original.mp4`, size: mp4.size };
    await storage.putFile(source.key, local.path, 'video/mp4');
  }
  const sized: Array<{ uri: string; durationSeconds: number; sizeBytes: number }> = [];
  let probe: MediaProbe | null = null;
  for (const [index, seg] of segments.entries()) {
    // Segment names come from egress's playlist: each must stay inside this egress's folder.
    if (/^[a-z]+:/i.test(seg.uri) || seg.uri.includes('/') || seg.uri.includes('\\')) throw new Error(`the egress playlist names a segment outside its folder: ${seg.uri}`);
    // The store refuses a key that could leave its root (`..`, control characters) before touching anything.
    const key = `${from.prefix}/hls/${seg.uri}`;
    const info = await from.store.stat(key);
    if (!info) throw new Error(`egress segment ${seg.uri} is missing`);
    const local = await from.store.localPathFor(key, dir);
    if (!probe) probe = await deps.probe(local.path);
    // Named as Aula names segments (egress's names depend on its prefix and version).
    const name = `seg_${String(index).padStart(5, '0')}.ts`;
    await storage.putFile(`${prefix}hls/${RENDITION}/${name}`, local.path, 'video/mp2t');
    sized.push({ uri: name, durationSeconds: seg.durationSeconds, sizeBytes: info.size });
  }
  const playlistKey = `${prefix}hls/${RENDITION}/index.m3u8`;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...segments.map((s) => s.durationSeconds)))}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD'];
  for (const s of sized) lines.push(`#EXTINF:${s.durationSeconds.toFixed(6)},`, s.uri);
  lines.push('#EXT-X-ENDLIST');
  await storage.putBuffer(playlistKey, `${lines.join('\n')}\n`, 'application/vnd.apple.mpegurl');
  const { peak, average } = measureBandwidth(sized);
  const width = probe?.video?.width ?? null;
  const height = probe?.video?.height ?? null;
  const masterKey = `${prefix}hls/master.m3u8`;
  await storage.putBuffer(masterKey, buildMasterPlaylist([{ uri: `${RENDITION}/index.m3u8`, bandwidth: peak, averageBandwidth: average, width, height, codecs: probe ? hlsCodecsOf(probe) : 'avc1.64001f,mp4a.40.2' }]), 'application/vnd.apple.mpegurl');
  const durationSeconds = segments.reduce((sum, s) => sum + s.durationSeconds, 0);
  const sizeBytes = sized.reduce((sum, s) => sum + s.sizeBytes, 0);
  deps.log.info({ recordingId, segments: segments.length, durationSeconds, mp4: source !== null }, 'published LiveKit egress HLS');
  return {
    media: {
      masterKey, renditions: [{ name: RENDITION, width, height, bandwidth: peak, codecs: probe ? hlsCodecsOf(probe) : 'avc1.64001f,mp4a.40.2', playlistKey }],
      posterKey: null, spriteKey: null, thumbnailsVttKey: null, mp4Key: null, chatVttKey: null, chatJsonKey: null, captionsVttKey: null,
    },
    metadata: {
      durationSeconds, width, height, videoCodec: probe?.video?.codec ?? null, audioCodec: probe?.audio?.codec ?? null,
      bitRate: average, sizeBytes: source?.size ?? sizeBytes,
    },
    source,
  };
}
