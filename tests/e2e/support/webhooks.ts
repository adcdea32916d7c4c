import { createHmac } from 'node:crypto';

/**
 * Sends a GitHub webhook event to the git-poller listening on `port`, signed
 * with `secret` as GitHub signs it; returns the HTTP status and the JSON reply.
 */
export async function sendGithubEvent(
  port: number,
  secret: string,
  event: string,
  body: object,
): Promise<{ status: number; reply: Record<string, unknown> }> {
  const raw = JSON.stringify(body);
  const res = await fetch(`http://127.0.0.1:${port}/api/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
    },
    body: raw,
  });
  return { status: res.status, reply: (await res.json()) as Record<string, unknown> };
}
