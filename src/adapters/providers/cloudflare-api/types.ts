export interface CloudflareCredentials {
  accountId: string;
  apiToken: string;
}

export interface CloudflareApiOptions {
  /** `https://api.cloudflare.com/client/v4`. */
  apiBase: string;
  /** Where RealtimeKit publishes its webhook public key. */
  realtimeKitKeysUrl: string;
  /** Host names (or suffixes after a dot) media may be downloaded from, besides the API's own host. */
  downloadHosts: readonly string[];
  timeoutMs?: number;
}

export interface LiveInput {
  uid: string;
  rtmps: { url: string; streamKey: string };
  status: unknown;
}

export interface StreamDownload {
  status: 'inprogress' | 'ready' | 'error' | string;
  url: string | null;
  percentComplete: number | null;
}

export interface RtkRecording {
  id: string;
  status: string;
  download_url: string | null;
  download_url_expiry: string | null;
  file_size: number | string | null;
  meeting_id?: string;
  started_time?: string | null;
}
