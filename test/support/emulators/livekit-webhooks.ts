import type { EgressStatus } from './livekit-egress';
import { livekitId, omitZeroValues, signWebhook, type Json } from './livekit-wire';

/**
 * LiveKit's webhook notifier: protojson bodies (camelCase, zero values omitted) POSTed one after another, in order, as
 * `application/webhook+json` with `Authorization: <JWT>` (no `Bearer`). Tests can drop or duplicate the next ones.
 */

export type WebhookFault = 'drop' | 'duplicate' | 'duplicate-new-id';

export interface WebhookDelivery {
  event: string;
  id: string;
  egressId?: string;
  egressStatus?: EgressStatus;
  body: string;
  authorization: string;
  contentType: string;
  /** Undefined when no webhook URL was set or the fault was `drop`. */
  url?: string;
  status?: number;
  error?: string;
  dropped: boolean;
  at: number;
}

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  url: string | undefined;
  private readonly faults: { event: string; fault: WebhookFault; remaining: number }[] = [];
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly apiKey: string, private readonly apiSecret: string, private readonly onDelivery: (delivery: WebhookDelivery) => void) {}

  injectFault(event: string, fault: WebhookFault, times: number): void {
    this.faults.push({ event, fault, remaining: times });
  }

  send(event: string, fields: { [key: string]: Json }, about: { egressId?: string; egressStatus?: EgressStatus } = {}): void {
    const fault = this.faults.find((f) => f.remaining > 0 && (f.event === '*' || f.event === event));
    if (fault) fault.remaining -= 1;
    const make = () => JSON.stringify(omitZeroValues({ event, ...fields, id: livekitId('EV_'), createdAt: String(Math.floor(Date.now() / 1000)) }));
    const body = make();
    const copies = fault?.fault === 'duplicate' ? [body, body] : fault?.fault === 'duplicate-new-id' ? [body, make()] : [body];
    for (const copy of copies) this.chain = this.chain.then(() => this.deliver(event, copy, about, fault?.fault === 'drop'));
  }

  /** Resolves once every webhook queued so far was attempted. */
  idle(): Promise<void> {
    return this.chain;
  }

  stop(): void {
    this.stopped = true;
  }

  private async deliver(event: string, body: string, about: { egressId?: string; egressStatus?: EgressStatus }, dropped: boolean): Promise<void> {
    const authorization = await signWebhook(body, this.apiKey, this.apiSecret, Math.floor(Date.now() / 1000));
    const delivery: WebhookDelivery = { event, id: (JSON.parse(body) as { id: string }).id, ...about, body, authorization, contentType: 'application/webhook+json', dropped, at: Date.now() };
    const url = this.url;
    if (url && !dropped && !this.stopped) {
      delivery.url = url;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': delivery.contentType, authorization }, body, signal: AbortSignal.timeout(10_000) });
        delivery.status = res.status;
        await res.arrayBuffer();
      } catch (err) {
        delivery.error = err instanceof Error ? err.message : String(err);
      }
    }
    this.deliveries.push(delivery);
    this.onDelivery(delivery);
  }
}
