// A consumer stack: its own API, its own site, the tiered-cdn route table.
const path = require('path');
const { App, Stack, Duration, CfnOutput } = require('aws-cdk-lib');
const { TieredCdn } = require('tiered-cdn');

const app = new App();
const stack = new Stack(app, 'ShopCdn', { env: { region: 'eu-west-1' } });

const cdn = new TieredCdn(stack, 'Cdn', {
  site: { source: path.join(__dirname, 'site') },
  origins: {
    catalog: { domainName: 'catalog.shop.example', region: 'eu-west-1', readTimeout: Duration.seconds(10) },
  },
  routes: [
    { pathPattern: '*', tier: 'html', origin: 'site' },
    { pathPattern: '/static/*', tier: 'static', origin: 'site' },
    { pathPattern: '/catalog/*', tier: 'api', origin: 'catalog', queryStrings: ['page', 'sort'] },
    { pathPattern: '/cart/*', tier: 'dynamic', origin: 'catalog' },
  ],
});

new CfnOutput(stack, 'DistributionId', { value: cdn.distribution.distributionId });
app.synth();
