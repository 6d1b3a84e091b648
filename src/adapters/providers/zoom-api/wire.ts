/** How Zoom wants some values written in its URLs and bodies. */

/** Zoom wants a meeting UUID that starts with `/` or contains `//` encoded twice. */
export function encodeMeetingUuid(uuid: string): string {
  const once = encodeURIComponent(uuid);
  return uuid.startsWith('/') || uuid.includes('//') ? encodeURIComponent(once) : once;
}

/** Zoom's `start_time` format: UTC without milliseconds. */
export function zoomTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
