import type { ExperimentConfig, NormalizeConfig } from '../../lambda-edge/shared/config';
import { assignExperiments } from '../../lambda-edge/viewer-request/experiments';
import { normalizeRequest } from '../../lambda-edge/viewer-request/normalize';
import { createHandler } from '../../lambda-edge/viewer-response/index';
import { requestEvent, responseEvent } from './routing-fixtures';

const NORMALIZE: NormalizeConfig = { dropParams: [], dropPrefixes: [], sort: true };
const HOMEPAGE: ExperimentConfig = {
  name: 'homepage',
  variants: [
    { name: 'classic', weight: 1 },
    { name: 'hero', weight: 1 },
  ],
  cookieMaxAgeSeconds: 600,
};

/** The request the cache sees after normalize -> experiments, as the viewer-request function runs them. */
function viewerRequest(cookie?: string) {
  const request = requestEvent('routing-viewer-request').Records[0].cf.request;
  if (cookie) request.headers.cookie = [{ key: 'Cookie', value: cookie }];
  return assignExperiments(normalizeRequest(request, NORMALIZE), [HOMEPAGE]);
}

describe('normalize -> experiments -> viewer-response', () => {
  it('gives the cache a sorted, tracking-free query and a variant header', () => {
    const out = viewerRequest();
    expect(out.querystring).toBe('a=%C3%A9t%C3%A9&b=2');
    expect(['classic', 'hero']).toContain(out.headers['x-experiment-homepage'][0].value);
  });

  it('sets the cookies on the first response and none once the viewer returns with them', async () => {
    const respond = createHandler({ experiments: [HOMEPAGE] });
    const first = viewerRequest();
    const event = responseEvent('routing-viewer-response');
    event.Records[0].cf.request.headers = first.headers;
    const setCookies = (await respond(event)).headers['set-cookie'].map((h) => h.value).slice(1);
    expect(setCookies).toHaveLength(2);
    const jar = setCookies.map((c) => c.split(';')[0]).join('; ');

    const again = viewerRequest(jar);
    expect(again.headers['x-experiment-homepage']).toEqual(first.headers['x-experiment-homepage']);
    const second = responseEvent('routing-viewer-response');
    second.Records[0].cf.request.headers = again.headers;
    expect((await respond(second)).headers['set-cookie']).toEqual([{ key: 'Set-Cookie', value: 'theme=light; Path=/' }]);
  });
});
