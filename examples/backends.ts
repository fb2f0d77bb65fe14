import * as path from 'path';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { TieredCdn } from '../lib';

/**
 * Tiers routed to backends that are not a public domain name: a Lambda Function URL that only
 * CloudFront may call (origin access control signs every request; the Function URL's auth type is
 * AWS_IAM) and an internal Application Load Balancer in private subnets reached through a
 * CloudFront VPC origin. Neither needs the origin-verify header: nothing else can reach them.
 */
export class BackendsStack extends Stack {
  public readonly cdn: TieredCdn;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { ...props, env: { region: 'us-east-1', ...props.env } });

    const fn = new lambda.Function(this, 'Render', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, headers: { "cache-control": "s-maxage=60" }, body: "rendered" });'),
    });
    const url = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    // HTTP inside the VPC: CloudFront reaches it over the VPC origin's private connection.
    const alb = new elbv2.ApplicationLoadBalancer(this, 'Internal', { vpc, internetFacing: false });
    alb.addListener('Http', { port: 80, defaultAction: elbv2.ListenerAction.fixedResponse(200, { messageBody: 'app' }) });

    this.cdn = new TieredCdn(this, 'Cdn', {
      site: { source: path.join(__dirname, '..', 'site') },
      origins: {
        render: { origin: origins.FunctionUrlOrigin.withOriginAccessControl(url) },
        app: { origin: origins.VpcOrigin.withApplicationLoadBalancer(alb, { httpPort: 80, protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY }) },
      },
      routes: [
        { pathPattern: '*', tier: 'html', origin: 'site' },
        { pathPattern: '/assets/*', tier: 'static', origin: 'site' },
        { pathPattern: '/render/*', tier: 'api', origin: 'render' },
        // GET and HEAD only: POST to a Function URL with OAC needs the body's SHA-256 in x-amz-content-sha256.
        { pathPattern: '/app/*', tier: 'dynamic', origin: 'app' },
      ],
    });
  }
}

