import { Command, InvalidArgumentError } from 'commander';
import { CliError } from '../errors';
import { DEV_AUDIENCE, loadDevKey } from '../dev-keys';

interface TokenOptions {
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

function collectClaim(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected name=value, got: ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function register(program: Command): void {
  program
    .command('token')
    .description(
      'Mint a JWT signed with the local development key (generated on first use into .tiered-cdn/, never committed), ' +
        'for routes whose auth uses the development issuer. Never use it to protect anything real.',
    )
    .option('--sub <subject>', 'sub claim', 'dev-user')
    .option('--scope <scopes>', 'scope claim, space-separated (e.g. "read:me write:me")')
    .option('--exp-in <duration>', 'lifetime: 90s, 15m, 1h, 7d', parseDuration, 3600)
    .option('--aud <audience>', 'aud claim', DEV_AUDIENCE)
    .option('--claim <name=value>', 'extra string claim, repeatable', collectClaim, {})
    .option('--print-jwks', 'print the public JWKS of the development key instead of a token')
    .option('--json', 'print a JSON object (token and claims, or the JWKS) on stdout')
    .option('--dir <path>', 'project root holding .tiered-cdn/', process.cwd())
    .addHelpText('after', '\nExample:\n  curl -H "Authorization: Bearer $(npx tiered-cdn token --scope read:me)" http://127.0.0.1:8080/api/me/\n')
    .action((options: TokenOptions) => {
      let key;
      try {
        key = loadDevKey(options.dir);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      if (key.created) process.stderr.write(`generated a development signing key in ${key.file} (git-ignored; never commit it)\n`);
      if (options.printJwks) {
        process.stdout.write(JSON.stringify(key.jwks, null, options.json ? undefined : 2) + '\n');
        if (!options.json) process.stderr.write(`public JWKS of the development key ${key.kid} (issuer ${key.issuer})\n`);
        return;
      }
      const iat = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        ...options.claim,
        iss: key.issuer,
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
        `minted a development token: sub=${options.sub} aud=${options.aud}` +
          `${options.scope ? ` scope="${options.scope}"` : ''} expires ${new Date((iat + options.expIn) * 1000).toISOString()} (kid ${key.kid})\n`,
      );
    });
}
