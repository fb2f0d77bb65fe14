import * as fs from 'fs';
import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReferenceAuthProps, ReferenceStack } from '../lib/reference-stack';
import { loadDevKey } from '../tools/dev-keys';

// cfn-lint checks the templates in CI (.ci/run, npm test); aws-cdk-lib's built-in validation
// would repeat that at the cost of a third of the synth time (npm run bench:synth).
// TIERED_CDN_CFN_VALIDATION=true turns it back on.
const app = new App({ builtinCloudFormationValidation: process.env.TIERED_CDN_CFN_VALIDATION === 'true' });
const context = (key: string): string | undefined => app.node.tryGetContext(key);

// With no issuer in context, a local development key stands in (generated into .tiered-cdn/).
const issuer = context('authIssuer');
let auth: ReferenceAuthProps;
let devKeyFile: string | undefined;
if (issuer) {
  const jwksFile = context('authJwksFile');
  if (!jwksFile) throw new Error("context 'authIssuer' needs 'authJwksFile' (a JWKS file with the issuer's public keys)");
  const audience = context('authAudience');
  auth = { issuer, audience: audience === 'null' ? null : (audience ?? null), jwks: JSON.parse(fs.readFileSync(jwksFile, 'utf8')) };
} else {
  // Deploy pipelines set requireIssuer so a missing issuer fails the deploy instead of shipping a
  // development key generated on the runner (deploy.yml does).
  if (String(app.node.tryGetContext('requireIssuer')) === 'true') {
    throw new Error(
      "context 'requireIssuer' is set but 'authIssuer' is not: pass -c authIssuer=<https issuer> -c authJwksFile=<jwks.json> -c authAudience=<aud> (or drop requireIssuer to use the local development key)",
    );
  }
  const dev = loadDevKey();
  auth = { issuer: dev.issuer, audience: dev.audience, jwks: dev.jwks };
  devKeyFile = dev.file;
}

const stack = new ReferenceStack(app, context('stackName') ?? 'TieredCdnReference', {
  // An explicit region lets Lambda@Edge functions synthesize with no account or credentials.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: context('region') ?? 'us-east-1' },
  apiDomain: context('apiDomain'),
  apiRegion: context('apiRegion'),
  apiEuDomain: context('apiEuDomain'),
  originSecretVersion: context('originSecretVersion'),
  auth,
});
if (devKeyFile) {
  Annotations.of(stack).addWarningV2(
    'tiered-cdn:dev-key',
    `Protected routes accept tokens signed with the local DEVELOPMENT key ${devKeyFile} (generated on this machine, never committed: its folder has its own .gitignore). Deploy with -c authIssuer=... -c authJwksFile=... -c authAudience=... for a real identity provider.`,
  );
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
