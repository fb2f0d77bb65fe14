import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from '../errors';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevKey } from '../dev-keys';
import { DEV_JWKS_MEMBER } from '../../lambda-edge/shared/names';

interface TokenOptions {
  issuer: string;
  sub: string;
  scope?: string;
  expIn: number;
  aud: string;
  claim: Record<string, string>;
  printJwks?: boolean;
  json?: boolean;
  dir: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `90s`, `15m`, `1h`, `7d` -> seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!match || Number(match[1]) === 0) {
    throw new InvalidArgumentError(`expected a positive duration such as 90s, 15m, 1h or 7d, got: ${JSON.stringify(value)}`);
  }
  return Number(match[1]) * UNITS[match[2] || 's'];
}

/**
 * Claims `--claim` refuses, with the way to set them: the registered claims this command sets
 * itself (and `scope`, which has its own option). Silently overriding or dropping them would mint
 * a token other than the one asked for.
 */
export const RESERVED_CLAIMS: Readonly<Record<string, string>> = {
  iss: 'is set with --issuer',
  sub: 'is set with --sub',
  aud: 'is set with --aud',
  exp: 'is set with --exp-in',
  iat: 'is the time of minting',
  nbf: 'is not supported (the token is valid from iat)',
  jti: 'is not supported',
  scope: 'is set with --scope',
};

function collectClaim(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected name=value, got: ${JSON.stringify(value)}`);
  const name = value.slice(0, eq);
  if (Object.prototype.hasOwnProperty.call(RESERVED_CLAIMS, name)) {
    const how = RESERVED_CLAIMS[name];
    const option = /--[a-z-]+/.exec(how)?.[0];
    throw new InvalidArgumentError(`'${name}' ${how}${option ? `: use ${option} ${value.slice(eq + 1)}` : ''}, not --claim`);
  }
  return { ...previous, [name]: value.slice(eq + 1) };
}

export function register(program: Command): void {
  program
    .command('token')
    .description(
      'Mint a JWT signed with the local development key (generated on first use into .tiered-cdn/, never committed), ' +
        "for routes whose auth bakes in the development key's JWKS (--print-jwks); --issuer and --aud match the route's auth. Never use it to protect anything real.",
    )
    .addOption(
      new Option('--issuer <url>', "iss claim: the route's auth.issuer (a stack that bakes in the development JWKS warns on every synth)")
        .argParser(httpsIssuer)
        .default(DEV_ISSUER, DEV_ISSUER),
    )
    .option('--sub <subject>', 'sub claim', nonEmpty, 'dev-user')
    .option('--scope <scopes>', 'scope claim, space-separated (e.g. "read:me write:me")')
    .addOption(new Option('--exp-in <duration>', 'lifetime: 90s, 15m, 1h, 7d').argParser(parseDuration).default(3600, '1h'))
    .option('--aud <audience>', 'aud claim', nonEmpty, DEV_AUDIENCE)
    .option(
      '--claim <name=value>',
      `extra string claim, repeatable; refuses ${Object.keys(RESERVED_CLAIMS).join(', ')} (set by the options above or fixed)`,
      collectClaim,
      {},
    )
    .option('--print-jwks', 'print the public JWKS of the development key instead of a token')
    .option('--json', 'print a JSON object (token and claims, or the JWKS) on stdout')
    .addOption(new Option('--dir <path>', 'project root holding .tiered-cdn/').default(process.cwd(), 'the current folder'))
    .addHelpText(
      'after',
      '\nExamples:\n  curl -H "Authorization: Bearer $(npx tiered-cdn token --scope read:me)" http://127.0.0.1:8080/api/me/\n' +
        "  npx tiered-cdn token --issuer https://id.shop.example/ --aud shop   # for auth: { issuer: 'https://id.shop.example/', audience: 'shop', jwksFile: 'jwks.json' }\n",
    )
    .action((options: TokenOptions) => {
      let key;
      try {
        key = loadDevKey(options.dir);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      if (key.created) process.stderr.write(`generated a development signing key in ${key.file} (git-ignored; never commit it)\n`);
      if (options.printJwks) {
        // Marked as a development key: a stack that bakes it in says so on every synth.
        const jwks = { ...key.jwks, [DEV_JWKS_MEMBER]: 'a tiered-cdn development key: its private half is in .tiered-cdn/ and anyone with it can mint tokens; never protect anything real with it' };
        process.stdout.write(JSON.stringify(jwks, null, options.json ? undefined : 2) + '\n');
        if (!options.json) process.stderr.write(`public JWKS of the development key ${key.kid}; mint tokens for it with tiered-cdn token --issuer <your auth.issuer> --aud <your auth.audience>\n`);
        return;
      }
      const iat = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        ...options.claim,
        iss: options.issuer,
        sub: options.sub,
        aud: options.aud,
        iat,
        exp: iat + options.expIn,
        ...(options.scope ? { scope: options.scope } : {}),
      };
      const token = key.sign(claims);
      if (options.json) {
        process.stdout.write(JSON.stringify({ token, kid: key.kid, claims }) + '\n');
        return;
      }
      process.stdout.write(token + '\n');
      process.stderr.write(
        `minted a development token: iss=${options.issuer} sub=${options.sub} aud=${options.aud}` +
          `${options.scope ? ` scope="${options.scope}"` : ''} expires ${new Date((iat + options.expIn) * 1000).toISOString()} (kid ${key.kid})\n`,
      );
    });
}

/** The issuer as the construct takes it (`auth.issuer`): an https URL. */
function httpsIssuer(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || url.hostname === '') {
    throw new InvalidArgumentError(`expected the https URL of the route's auth.issuer, exactly as written there (e.g. https://id.shop.example/), got: ${JSON.stringify(value)}`);
  }
  return value;
}

function nonEmpty(value: string): string {
  if (value === '') throw new InvalidArgumentError(`expected a non-empty value (a token with an empty claim names no one), got ''`);
  return value;
}
