/**
 * The SES mailer loads its client on the first mail (mail/from-env.ts), not at cold start: the
 * first send still reaches SES, and a second send reuses the loaded client. Against a local
 * HTTP endpoint standing in for SES v2 (AWS_ENDPOINT_URL_SESV2).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mailerFromEnv } from '../../functions/mail/from-env';
import type { Env } from '../../functions/platform/env';

describe('SES mailer', () => {
  const requests: { method?: string; url?: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, body: JSON.parse(raw || '{}') as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ MessageId: `m-${requests.length}` }));
    });
  });
  const saved = { ...process.env };

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SESV2: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends each mail through SES v2 SendEmail, loading the client on the first', async () => {
    const mailer = mailerFromEnv({ MAIL_TRANSPORT: 'ses', MAIL_FROM: 'noreply@example.com' } as Env<'mail'>);
    expect(requests).toHaveLength(0);
    await mailer.send({ to: 'a@example.com', subject: 'One', text: 'first' });
    await mailer.send({ to: 'b@example.com', subject: 'Two', text: 'second' });
    expect(requests.map((r) => [r.method, r.url])).toEqual([
      ['POST', '/v2/email/outbound-emails'],
      ['POST', '/v2/email/outbound-emails'],
    ]);
    expect(requests.map((r) => [r.body.FromEmailAddress, r.body.Destination])).toEqual([
      ['noreply@example.com', { ToAddresses: ['a@example.com'] }],
      ['noreply@example.com', { ToAddresses: ['b@example.com'] }],
    ]);
  });
});
