import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { publicJwk } from '../../tools/dev-keys';
import { cdnStack, SITE_DIR } from '../helpers/stacks';

/**
 * README "Use it in your stack" says what a stack outside us-east-1 leaves out, one bullet per synth
 * warning. The README's stack (its props, with keys inline) in eu-west-1 emits exactly those.
 */
const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = README.slice(README.indexOf('**Outside us-east-1**'), README.indexOf('### Route table rules'));

test('the warnings of the README stack in eu-west-1 are the ones README lists', () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { stack } = cdnStack(
    {
      site: { source: SITE_DIR },
      origins: { api: { domainName: 'api.shop.example', region: 'eu-west-1' } },
      routes: [
        { pathPattern: '*', tier: 'html', origin: 'site' },
        { pathPattern: '/assets/*', tier: 'static', origin: 'site' },
        { pathPattern: '/api/products/*', tier: 'api', origin: 'api', varyHeaders: ['Accept-Language'] },
        { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', auth: { issuer: 'https://id.shop.example/', audience: 'shop', jwks: { keys: [publicJwk(privateKey, 'RS256')] } } },
      ],
    },
    'eu-west-1',
  );
  const ids = Annotations.fromStack(stack)
    .findWarning('*', Match.anyValue())
    .map((w) => /\[ack: ([^\]]+)\]/.exec(String(w.entry.data))?.[1])
    .filter((id): id is string => !!id && id.startsWith('tiered-cdn:'));
  const listed = [...section.matchAll(/^- \*\*[^*]+\*\* \(`(tiered-cdn:[a-z-]+)`\)/gm)].map((m) => m[1]);
  expect(listed.length).toBe(4);
  expect([...new Set(ids)].sort()).toEqual([...listed].sort());
});
