/**
 * The audio-only rendition of a master playlist, as an absolute URL. hls.js drops audio-only variants when video
 * ones exist, so the player offers it itself ("Audio only", for poor connections) by playing its media playlist.
 */
export async function findAudioOnlyRendition(masterUrl: string, token: string | null): Promise<string | null> {
  const res = await fetch(masterUrl, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) return null;
  const lines = (await res.text()).split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('#EXT-X-STREAM-INF:') || /RESOLUTION=/.test(line)) continue;
    const uri = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.startsWith('#'));
    return uri ? new URL(uri.trim(), masterUrl).toString() : null;
  }
  return null;
}
