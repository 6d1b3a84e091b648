import { describe, expect, it } from 'vitest';
import { chatToVtt } from '../src/domain/media/chat-transcript';
import { buildCopyRenditionArgs, buildLadderArgs } from '../src/domain/media/ffmpeg-args/vod';
import { aacCodecString, avcCodecString, buildMasterPlaylist, measureBandwidth, parseMediaPlaylist } from '../src/domain/media/hls';
import { isFastPathEligible, planLadder, planSprite, posterTimeSeconds } from '../src/domain/media/ladder';
import { looksLikeIsoBmff, type MediaProbe } from '../src/domain/media/probe';
import { buildThumbnailsVtt, formatClock } from '../src/domain/media/webvtt';
import { assertStorageKey, InvalidStorageKey } from '../src/adapters/storage/media-storage';

function source(video: Partial<NonNullable<MediaProbe['video']>> | null, audio: Partial<NonNullable<MediaProbe['audio']>> | null = {}): MediaProbe {
  const probe: MediaProbe = { durationSeconds: 60, formatName: 'mov,mp4', sizeBytes: 1, bitRate: 1 };
  if (video) {
    probe.video = {
      codec: 'h264',
      profile: 'High',
      level: 31,
      width: 1280,
      height: 720,
      fps: 30,
      bitRate: 3_000_000,
      pixFmt: 'yuv420p',
      durationSeconds: 60,
      ...video,
    };
  }
  if (audio) {
    probe.audio = { codec: 'aac', profile: 'LC', channels: 2, sampleRate: 48000, bitRate: 128000, durationSeconds: 60, ...audio };
  }
  return probe;
}

const names = (p: ReturnType<typeof planLadder>) => [...(p.copy ? [`${p.copy.name}(copy)`] : []), ...p.encode.map((r) => r.name)];

describe('ladder policy', () => {
  it('offers only rungs no taller than the source', () => {
    expect(names(planLadder(source({ codec: 'vp8', width: 1920, height: 1080 })))).toEqual(['1080p', '720p', '480p', '360p']);
    expect(names(planLadder(source({ codec: 'vp8', width: 1280, height: 720 })))).toEqual(['720p', '480p', '360p']);
    expect(names(planLadder(source({ codec: 'vp8', width: 854, height: 480 })))).toEqual(['480p', '360p']);
    expect(names(planLadder(source({ codec: 'vp8', width: 640, height: 360 })))).toEqual(['360p']);
    // 4K is brought down to the top rung.
    expect(names(planLadder(source({ codec: 'hevc', width: 3840, height: 2160 })))).toEqual(['1080p', '720p', '480p', '360p']);
  });

  it('a source smaller than 360p gets one rendition at its own even size', () => {
    const plan = planLadder(source({ codec: 'vp9', width: 321, height: 241 }));
    expect(plan.encode).toEqual([{ name: '240p', width: 320, height: 240, videoKbps: 800, copy: false }]);
  });

  it('keeps the aspect ratio with even dimensions, portrait included', () => {
    const wide = planLadder(source({ codec: 'vp8', width: 1280, height: 720 }));
    expect(wide.encode.map((r) => `${r.width}x${r.height}`)).toEqual(['1280x720', '854x480', '640x360']);
    const portrait = planLadder(source({ codec: 'vp8', width: 720, height: 1280 }));
    expect(portrait.encode.map((r) => `${r.width}x${r.height}`)).toEqual(['720x1280', '480x854', '360x640']);
  });

  it('takes the fast path only for H.264 4:2:0 up to 1080p with AAC or no audio', () => {
    expect(isFastPathEligible(source({}))).toBe(true);
    expect(isFastPathEligible(source({}, null))).toBe(true);
    expect(isFastPathEligible(source({}, { codec: 'opus' }))).toBe(false);
    expect(isFastPathEligible(source({ pixFmt: 'yuv420p10le' }))).toBe(false);
    expect(isFastPathEligible(source({ width: 2560, height: 1440 }))).toBe(false);
    expect(isFastPathEligible(source({ codec: 'vp8' }))).toBe(false);

    const plan = planLadder(source({}));
    expect(names(plan)).toEqual(['720p(copy)', '480p', '360p']);
    // A 900p H.264 source is copied at 900p; the rungs below it are encoded.
    expect(names(planLadder(source({ width: 1600, height: 900 })))).toEqual(['900p(copy)', '720p', '480p', '360p']);
  });

  it('adds an audio rendition that stays mono for mono sources; audio-only sources get only that', () => {
    expect(planLadder(source({}, { channels: 1 })).audio).toEqual({ name: 'audio', channels: 1, kbps: 128 });
    expect(planLadder(source({}, { channels: 6 })).audioChannels).toBe(2);
    expect(planLadder(source({}, null)).audio).toBeNull();
    const audioOnly = planLadder(source(null, { codec: 'opus' }));
    expect(audioOnly.copy).toBeNull();
    expect(audioOnly.encode).toEqual([]);
    expect(audioOnly.audio?.name).toBe('audio');
  });

  it('uses a 4-second fixed GOP from the frame rate, and 30 fps when the rate is nonsense', () => {
    expect(planLadder(source({ fps: 25 })).gop).toBe(100);
    expect(planLadder(source({ fps: 29.97 })).gop).toBe(120);
    expect(planLadder(source({ fps: 1000 })).gop).toBe(120);
    expect(planLadder(source({ fps: null })).gop).toBe(120);
  });
});

describe('ffmpeg arguments', () => {
  it('copies the fast-path rendition into 4 s HLS segments', () => {
    const args = buildCopyRenditionArgs('/in/src.mp4', '/out/720p');
    expect(args.join(' ')).toContain('-map 0:v:0 -map 0:a:0? -c copy -f hls -hls_time 4 -hls_playlist_type vod -hls_segment_type mpegts');
    expect(args.slice(-3)).toEqual(['-hls_segment_filename', '/out/720p/seg_%05d.ts', '/out/720p/index.m3u8']);
  });

  it('encodes every rung from one decode with aligned keyframes', () => {
    const plan = planLadder(source({ codec: 'vp8', width: 1280, height: 720 }));
    const args = buildLadderArgs({ input: 'in.webm', hlsDir: '/w/hls', plan, thumbnails: { pattern: '/w/t/%04d.png', plan: planSprite(60) } });
    expect(args).not.toBeNull();
    const line = (args ?? []).join(' ');
    expect(args?.filter((a) => a === '-i')).toHaveLength(1);
    expect(line).toContain('[0:v:0]split=4[s0][s1][s2][s3]');
    expect(line).toContain('[s1]scale=854:480,setsar=1,format=yuv420p[v1]');
    expect(line).toContain('-b:v:0 2800k');
    expect(line).toContain('-b:v:2 800k');
    expect(line).toContain('-preset veryfast');
    expect(line).toContain('-g 120 -keyint_min 120 -sc_threshold 0 -force_key_frames expr:gte(t,n_forced*4)');
    expect(line).toContain('-c:a aac -b:a 128k -ar 48000 -ac 2');
    expect(args).toContain('v:0,a:0,name:720p v:1,a:1,name:480p v:2,a:2,name:360p a:3,name:audio');
    expect(line).toContain('-hls_segment_filename /w/hls/%v/seg_%05d.ts');
    expect(line).toContain('-frames:v 60 -f image2 /w/t/%04d.png');
  });

  it('omits audio mapping for silent sources and returns null when nothing needs encoding', () => {
    const silent = planLadder(source({ codec: 'vp8', width: 640, height: 360 }, null));
    expect(buildLadderArgs({ input: 'in', hlsDir: 'h', plan: silent })).toContain('v:0,name:360p');
    const copyOnly = planLadder(source({ width: 640, height: 360 }, null));
    expect(buildLadderArgs({ input: 'in', hlsDir: 'h', plan: copyOnly })).toBeNull();
  });

  it('puts the poster at 10 % of the duration, at least 1 s in', () => {
    expect(posterTimeSeconds(600)).toBe(60);
    expect(posterTimeSeconds(6)).toBe(1);
    expect(posterTimeSeconds(1)).toBe(0.5);
  });
});

describe('playlists', () => {
  const renditions = [
    { uri: 'audio/index.m3u8', bandwidth: 140_000, averageBandwidth: 136_000, width: null, height: null, codecs: 'mp4a.40.2' },
    { uri: '720p/index.m3u8', bandwidth: 3_100_000, averageBandwidth: 2_900_000, width: 1280, height: 720, codecs: 'avc1.64001f,mp4a.40.2' },
    { uri: '360p/index.m3u8', bandwidth: 950_000, averageBandwidth: 900_000, width: 640, height: 360, codecs: 'avc1.64001e,mp4a.40.2' },
  ];

  it('lists video renditions by ascending bandwidth and audio-only last', () => {
    expect(buildMasterPlaylist(renditions)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=950000,AVERAGE-BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"',
        '360p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=3100000,AVERAGE-BANDWIDTH=2900000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
        '720p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=140000,AVERAGE-BANDWIDTH=136000,CODECS="mp4a.40.2"',
        'audio/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('reads segment durations from a media playlist and measures peak and average bandwidth', () => {
    const parsed = parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.000000,\nseg_00000.ts\n#EXTINF:2.5,\nseg_00001.ts\n#EXT-X-ENDLIST\n');
    expect(parsed).toEqual({ segments: [{ uri: 'seg_00000.ts', durationSeconds: 4 }, { uri: 'seg_00001.ts', durationSeconds: 2.5 }], ended: true });
    const bw = measureBandwidth([
      { durationSeconds: 4, sizeBytes: 500_000 },
      { durationSeconds: 4, sizeBytes: 300_000 },
      { durationSeconds: 0.1, sizeBytes: 20_000 },
    ]);
    expect(bw.peak).toBe(1_000_000);
    expect(bw.average).toBe(Math.ceil((820_000 * 8) / 8.1));
  });

  it('derives RFC 6381 codec strings from probe profile and level', () => {
    expect(avcCodecString('High', 31)).toBe('avc1.64001f');
    expect(avcCodecString('Main', 40)).toBe('avc1.4d4028');
    expect(avcCodecString('Constrained Baseline', 30)).toBe('avc1.42c01e');
    expect(aacCodecString('LC')).toBe('mp4a.40.2');
    expect(aacCodecString('HE-AAC')).toBe('mp4a.40.5');
  });
});

describe('WebVTT builders', () => {
  it('turns chat lines into speaker cues that last 4 s or until the next message', () => {
    const jsonl = [
      '{"t": 12, "author": "Ana", "text": "Is <b> bold & safe?"}',
      '{"time": 13.5, "author": "Ben", "text": "yes"}',
      'garbage',
      '{"t": "x", "author": "C", "text": "bad time"}',
      '{"t": 30, "author": "Ana", "text": "line one\\n\\nline two"}',
      '',
    ].join('\n');
    const { vtt, skipped, messages } = chatToVtt(jsonl);
    expect(skipped).toBe(2);
    expect(messages).toHaveLength(3);
    expect(vtt).toBe(
      [
        'WEBVTT',
        '',
        '00:00:12.000 --> 00:00:13.500',
        '<v Ana>Is &lt;b&gt; bold &amp; safe?',
        '',
        '00:00:13.500 --> 00:00:17.500',
        '<v Ben>yes',
        '',
        '00:00:30.000 --> 00:00:34.000',
        '<v Ana>line one\nline two',
        '',
      ].join('\n'),
    );
  });

  it('sizes the sprite to at most 100 tiles and points each cue at its tile', () => {
    expect(planSprite(3600)).toMatchObject({ intervalSeconds: 36, count: 100, columns: 10, rows: 10 });
    const plan = planSprite(25);
    expect(plan).toMatchObject({ intervalSeconds: 1, count: 25, columns: 10, rows: 3 });
    const vtt = buildThumbnailsVtt(plan, 25);
    expect(vtt.startsWith('WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nsprite.jpg#xywh=0,0,160,90\n')).toBe(true);
    expect(vtt).toContain('00:00:11.000 --> 00:00:12.000\nsprite.jpg#xywh=160,90,160,90');
    expect(vtt).toContain('00:00:24.000 --> 00:00:25.000\nsprite.jpg#xywh=640,180,160,90');
    const partial = buildThumbnailsVtt(planSprite(7.5), 7.5);
    expect(partial).toContain('00:00:07.000 --> 00:00:07.500\nsprite.jpg#xywh=1120,0,160,90');
  });
});

describe('small helpers', () => {
  it('formats clock times for people', () => {
    expect(formatClock(3725.9)).toBe('01:02:05');
  });

  it('tells a cut-off MP4 from a text file', () => {
    expect(looksLikeIsoBmff(new Uint8Array([0, 0, 0, 0x20, ...Buffer.from('ftypisom')]))).toBe(true);
    expect(looksLikeIsoBmff(Buffer.from('hello world, not a video'))).toBe(false);
  });

  it('refuses storage keys that could escape the media root', () => {
    for (const bad of ['../etc/passwd', 'a/../../b', '/abs/path', 'a\\b', 'a\0b', '', 'a//b', '.tmp/x']) {
      expect(() => assertStorageKey(bad), bad).toThrow(InvalidStorageKey);
    }
    expect(() => assertStorageKey('recordings/r1/hls/720p/seg_00001.ts')).not.toThrow();
  });
});
