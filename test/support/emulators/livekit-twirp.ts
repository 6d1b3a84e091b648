import type http from 'node:http';
import { checkApiToken, omitZeroValues, sendPlainUnauthorized, sendTwirpError, toProtoNames, TwirpFailure, type Json, type TwirpCode, type VideoGrant } from './livekit-wire';

/**
 * The HTTP front of the emulated LiveKit server: the request log, injected failures, LiveKit's auth middleware (which
 * answers bad tokens in plain text before Twirp runs), Twirp's routing rules, and the JSON of the answers.
 */

export interface ApiRequest {
  httpMethod: string;
  path: string;
  /** `Egress/StartRoomCompositeEgress` etc. */
  rpc: string;
  body: string;
  authorization: string | undefined;
  status: number;
  at: number;
}

export type ApiFaultCode = TwirpCode | 'timeout';
export type RpcHandler = (rpc: string, body: string, video: VideoGrant | undefined) => Promise<Json>;

export class TwirpFront {
  readonly requests: ApiRequest[] = [];
  private readonly faults: { remaining: number; rpc?: string; code: ApiFaultCode }[] = [];
  private readonly held = new Set<http.ServerResponse>();

  constructor(private readonly keys: ReadonlyMap<string, string>, private readonly jsonNames: 'proto' | 'json', private readonly handler: RpcHandler) {}

  failNext(count: number, code: ApiFaultCode, rpc?: string): void {
    this.faults.push({ remaining: count, rpc, code });
  }

  /** Drops the requests held by a `timeout` fault. */
  release(): void {
    for (const res of this.held) res.destroy();
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? '/';
    const route = /^\/twirp\/livekit\.(Egress|RoomService)\/([A-Za-z]+)$/.exec(url.split('?')[0] ?? '');
    const entry: ApiRequest = { httpMethod: req.method ?? '', path: url, rpc: route ? `${route[1]}/${route[2]}` : '', body: Buffer.concat(chunks).toString('utf8'), authorization: req.headers.authorization, status: 0, at: Date.now() };
    this.requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    try {
      const fault = this.faults.find((f) => f.remaining > 0 && (f.rpc === undefined || f.rpc === entry.rpc));
      if (fault) {
        fault.remaining -= 1;
        if (fault.code === 'timeout') {
          this.held.add(res);
          res.on('close', () => this.held.delete(res));
          return;
        }
        throw new TwirpFailure(fault.code, `injected ${fault.code} failure`);
      }
      const auth = await checkApiToken(req.headers.authorization, this.keys);
      if (!auth.ok) return sendPlainUnauthorized(res, auth.message);
      if (req.method !== 'POST') throw new TwirpFailure('bad_route', `unsupported method ${req.method} (only POST is allowed)`);
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (contentType !== 'application/json') throw new TwirpFailure('bad_route', `unexpected Content-Type: "${req.headers['content-type'] ?? ''}" (the emulator speaks JSON only)`);
      if (!route) throw new TwirpFailure('bad_route', `no handler for path "${url}"`);
      const answer = await this.handler(entry.rpc, entry.body, auth.video);
      const text = JSON.stringify(this.jsonNames === 'json' ? omitZeroValues(answer) : toProtoNames(answer));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch (err) {
      sendTwirpError(res, err instanceof TwirpFailure ? err : new TwirpFailure('internal', err instanceof Error ? err.message : String(err)));
    }
  }
}
