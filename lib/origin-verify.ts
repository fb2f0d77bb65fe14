import { SecretValue } from 'aws-cdk-lib/core';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { show, Problem, problem } from './validation';

/** Header CloudFront adds to every request to a custom origin, so the origin can refuse others. */
export const DEFAULT_ORIGIN_VERIFY_HEADER = 'x-origin-verify';

/**
 * Origin lock-down: custom origins receive a secret header from CloudFront. The value lives in
 * Secrets Manager and reaches the template only as a dynamic reference, resolved by CloudFormation
 * at deploy time; it is never in the template or the repository.
 */
export interface OriginVerifyOptions {
  /**
   * The secret whose SecretString is the header value.
   * @default - a secret the construct creates (48 random characters)
   */
  readonly secret?: secretsmanager.ISecret;

  /**
   * Header name.
   * @default 'x-origin-verify'
   */
  readonly headerName?: string;

  /**
   * Pin the header to this version of the secret. Changing it is how a rotation reaches
   * CloudFront (see docs/protection.md): CloudFormation resolves a dynamic reference again only
   * when the template changes.
   * @default - the AWSCURRENT version at the time of the deploy
   */
  readonly secretVersionId?: string;
}

const HEADER = /^[A-Za-z0-9-]{1,64}$/;
/** Headers CloudFront refuses as origin custom headers. */
const RESERVED = ['host', 'authorization', 'cookie', 'content-length', 'via', 'x-forwarded-for', 'x-real-ip', 'connection'];

export function originVerifyProblems(options: OriginVerifyOptions): Problem[] {
  const name = options.headerName ?? DEFAULT_ORIGIN_VERIFY_HEADER;
  if (!HEADER.test(name)) return [problem('origin-verify-header-invalid', `'originVerify.headerName' must be letters, digits and '-', got: ${show(name)}.`)];
  if (RESERVED.includes(name.toLowerCase()) || /^x-(amz|edge)-/i.test(name)) {
    return [problem('origin-verify-header-reserved', `'originVerify.headerName' ${show(name)} is a header CloudFront does not allow as an origin custom header; use e.g. 'x-origin-verify'.`)];
  }
  return [];
}

/** The secret header CloudFront sends to every custom origin, so origins can refuse requests that did not come through CloudFront. */
export class OriginVerify extends Construct {
  /** The Secrets Manager secret holding the header value (rotate it with `secretVersionId`). */
  public readonly secret: secretsmanager.ISecret;
  /** The header name (`x-origin-verify` unless `headerName` says otherwise). */
  public readonly headerName: string;
  /** The header value as a CloudFormation dynamic reference. */
  public readonly headerValue: string;

  constructor(scope: Construct, id: string, options: OriginVerifyOptions) {
    super(scope, id);
    this.headerName = (options.headerName ?? DEFAULT_ORIGIN_VERIFY_HEADER).toLowerCase();
    this.secret =
      options.secret ??
      new secretsmanager.Secret(this, 'Secret', {
        description: 'Value of the header CloudFront sends to the origins of this distribution; origins refuse requests without it.',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
    this.headerValue = SecretValue.secretsManager(this.secret.secretArn, {
      versionId: options.secretVersionId,
    }).unsafeUnwrap(); // a {{resolve:secretsmanager:...}} reference, not the value
  }
}
