import type { ExperimentConfig, ViewerResponseConfig } from '../../lambda-edge/shared/config';
import { assignExperiments } from '../../lambda-edge/viewer-request/experiments';
import { createHandler } from '../../lambda-edge/viewer-response/index';
import { responseEvent } from './routing-fixtures';

const HOMEPAGE: ExperimentConfig = {
  name: 'homepage',
  variants: [
    { name: 'classic', weight: 1 },
    { name: 'hero', weight: 1 },
  ],
  cookieMaxAgeSeconds: 86400,
};
const CONFIG: ViewerResponseConfig = { experiments: [HOMEPAGE] };

function withRequestHeader(name: string, value: string) {
  const event = responseEvent('routing-viewer-response');
  event.Records[0].cf.request.headers[name] = [{ key: name, value }];
  return event;
}

function setCookies(response: { headers?: Record<string, Array<{ value: string }>> }): string[] {
  return (response.headers?.['set-cookie'] ?? []).map((h) => h.value);
}

describe('viewer-response handler', () => {
  const handler = createHandler(CONFIG);

  it('sets the cookies the viewer-request step asked for, on a response from cache', async () => {
    const event = withRequestHeader('x-tcdn-set-cookie', 'tcdn-vid=AbCdEfGhIjKlMnOpQrStUv&tcdn-exp-homepage=hero');
    const response = await handler(event);
    expect(setCookies(response)).toEqual([
      'theme=light; Path=/',
      'tcdn-vid=AbCdEfGhIjKlMnOpQrStUv; Path=/; Max-Age=86400; Secure; SameSite=Lax; HttpOnly',
      'tcdn-exp-homepage=hero; Path=/; Max-Age=86400; Secure; SameSite=Lax',
    ]);
    expect(response.status).toBe('200');
    expect(response.headers['content-type']).toEqual([{ key: 'Content-Type', value: 'text/html' }]);
  });

  it('sets no cookie when the viewer already has its assignment', async () => {
    const response = await handler(responseEvent('routing-viewer-response'));
    expect(setCookies(response)).toEqual(['theme=light; Path=/']);
  });

  it('refuses a variant that is not configured and a malformed viewer id', async () => {
    const event = withRequestHeader('x-tcdn-set-cookie', 'tcdn-vid=short&tcdn-exp-homepage=admin&session=stolen');
    expect(setCookies(await handler(event))).toEqual(['theme=light; Path=/']);
  });

  it('persists what the viewer-request step assigned to a first-time viewer', async () => {
    const request = assignExperiments(responseEvent('routing-viewer-response').Records[0].cf.request, [HOMEPAGE]);
    const event = responseEvent('routing-viewer-response');
    event.Records[0].cf.request.headers = request.headers;
    const cookies = setCookies(await handler(event));
    const variant = request.headers['x-experiment-homepage'][0].value;
    expect(cookies).toContain(`tcdn-exp-homepage=${variant}; Path=/; Max-Age=86400; Secure; SameSite=Lax`);
    expect(cookies.some((c) => /^tcdn-vid=[0-9a-f-]{36}; /.test(c))).toBe(true);
  });
});
