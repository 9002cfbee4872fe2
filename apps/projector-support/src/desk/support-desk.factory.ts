import type { ProjectorSupportConfig } from '../config';
import { FreshdeskSupportDeskAdapter } from './freshdesk/freshdesk-support-desk.adapter';
import { FreshdeskApiClient } from './freshdesk/freshdesk.client';
import { DEFAULT_RATE_LIMIT, RateLimitGate } from './rate-limit.gate';
import type { SupportDesk } from './support-desk.port';
import { ZendeskSupportDeskAdapter } from './zendesk/zendesk-support-desk.adapter';

/** The installation's desk, by SUPPORT_PLATFORM (the config has checked that platform's variables are there). */
export function supportDeskOf(config: ProjectorSupportConfig): SupportDesk {
  // The account's requests at once: the writes' calls, and two more kept for tickets' notes and reads.
  const rateLimit = new RateLimitGate({
    ...DEFAULT_RATE_LIMIT,
    maxConcurrent: config.SUPPORT_MAX_CONCURRENT_CALLS + 2,
  });
  if (config.SUPPORT_PLATFORM === 'zendesk') {
    return new ZendeskSupportDeskAdapter({
      endpointUri: `${config.ZENDESK_URL!.replace(/\/+$/, '')}/api/v2`,
      email: config.ZENDESK_EMAIL!,
      apiToken: config.ZENDESK_API_TOKEN!,
      requestTimeoutMs: config.SUPPORT_REQUEST_TIMEOUT_MS,
      rateLimit,
    });
  }
  return new FreshdeskSupportDeskAdapter(
    new FreshdeskApiClient({
      baseUrl: config.FRESHDESK_URL!.replace(/\/+$/, ''),
      apiKey: config.FRESHDESK_API_KEY!,
      timeoutMs: config.SUPPORT_REQUEST_TIMEOUT_MS,
      rateLimit,
    }),
  );
}
