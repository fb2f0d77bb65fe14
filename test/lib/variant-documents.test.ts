import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CloudFrontRequest, CloudFrontRequestEvent } from 'aws-lambda';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { ExperimentProps, TieredCdnProps } from '../../lib';
import { bundleEdgeFunction } from '../../lib/edge/bundle';
import { requestEvent } from '../lambda-edge/routing-fixtures';
import { cdnStack, validationProblems, validationCodes } from '../helpers/stacks';

let site: string;

beforeAll(() => {
  site = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-variant-site-'));
  const write = (rel: string, body: string) => {
    fs.mkdirSync(path.dirname(path.join(site, rel)), { recursive: true });
    fs.writeFileSync(path.join(site, rel), body);
  };
  write('index.html', '<p>control home</p>');
  write('about.html', '<p>control about</p>');
  write('docs/index.html', '<p>control docs</p>');
  write('assets/app.css', 'body{}');
  write('variants/redesign/index.html', '<p>redesign home</p>');
});

afterAll(() => fs.rmSync(site, { recursive: true, force: true }));

function props(experiment: Partial<ExperimentProps> = {}): TieredCdnProps {
  return {
    site: { source: site },
    routes: [
      {
        pathPattern: '*',
        tier: 'html',
        origin: 'site',
        experiments: [
          {
            name: 'home',
            variants: [
              { name: 'control', weight: 1 },
              { name: 'redesign', weight: 1, pathPrefix: '/variants/redesign' },
            ],
            ...experiment,
          },
        ],
      },
    ],
  };
}

describe('variant documents known at synth', () => {
  test('synth warns with the documents a variant lacks, and its viewers get the control ones', async () => {
    const { stack, cdn } = cdnStack(props());
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp("experiments 'home' variant 'redesign' has no copy of 2 documents"));
    expect(warnings).toHaveLength(1);
    const text = JSON.stringify(warnings[0].entry.data);
    expect(text).toContain('/variants/redesign/about.html, /variants/redesign/docs/index.html');
    expect(text).toContain("Its viewers get the control document there; add them, or set missingVariantDocuments: 'error'");

    const route = cdn.routes.find((r) => r.pathPattern === '*')!;
    expect(route.edge.originRequest?.variantDocuments).toEqual(['/variants/redesign/index.html']);
    const { dir } = bundleEdgeFunction('origin-request', route.edge.originRequest);
    const handler: (e: CloudFrontRequestEvent) => Promise<CloudFrontRequest> = require(path.join(dir, 'index.js')).handler;
    const uriFor = async (uri: string) => {
      const event = requestEvent('routing-origin-request-s3');
      event.Records[0].cf.request.uri = uri;
      event.Records[0].cf.request.headers['x-experiment-home'] = [{ key: 'x-experiment-home', value: 'redesign' }];
      return (await handler(event)).uri;
    };
    expect(await uriFor('/')).toBe('/variants/redesign/index.html');
    expect(await uriFor('/about.html')).toBe('/about.html');
    expect(await uriFor('/docs/')).toBe('/docs/');
  });

  test("fails when a variant lacks documents and missingVariantDocuments is 'error'", () => {
    const problems = validationProblems(props({ missingVariantDocuments: 'error' }));
    expect(problems).toEqual([
      expect.stringMatching(
        /^routes\[0\] \("\*"\)\.experiments 'home' variant 'redesign' has no copy of 2 documents in ".*": \/variants\/redesign\/about\.html, \/variants\/redesign\/docs\/index\.html\. Add them, or set missingVariantDocuments: 'fallback'/,
      ),
    ]);
  });

  test('the missing documents problem is coded at the route\'s experiments', () => {
    expect(validationCodes(props({ missingVariantDocuments: 'error' }))).toEqual(['variant-document-missing routes[0].experiments']);
  });

  test('fails when missingVariantDocuments is not a known value', () => {
    expect(validationCodes(props({ missingVariantDocuments: 'ignore' as never }))).toContain(
      'experiment-missing-variant-documents-invalid routes[0].experiments[0].missingVariantDocuments',
    );
    const problems = validationProblems(props({ missingVariantDocuments: 'ignore' as never }));
    expect(problems).toContainEqual(expect.stringContaining(`experiments[0].missingVariantDocuments must be 'fallback' or 'error', got: "ignore".`));
  });

  test('no warning when every variant holds every document', () => {
    const full = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-variant-full-'));
    try {
      for (const rel of ['index.html', 'variants/redesign/index.html']) {
        fs.mkdirSync(path.dirname(path.join(full, rel)), { recursive: true });
        fs.writeFileSync(path.join(full, rel), rel);
      }
      const { stack } = cdnStack({ ...props({ missingVariantDocuments: 'error' }), site: { source: full } });
      expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('has no copy of'))).toHaveLength(0);
    } finally {
      fs.rmSync(full, { recursive: true, force: true });
    }
  });
});
