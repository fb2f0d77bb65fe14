import * as http from 'http';
import * as net from 'net';
import { REPO_ROOT, runCli } from './invalidate-moto-server';

/**
 * `tiered-cdn invalidate` given what users mistype: each mistake is a usage error (one line, where the
 * options are, exit 2) and no request leaves the machine. The endpoint is a server that records
 * whatever reaches it.
 */
let server: http.Server;
let endpoint: string;
const requests: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const HINT = "run 'tiered-cdn invalidate --help' for its options\n";

test.each([
  [['--paths', '/x'], 'error: name the distribution: --distribution <id> or --stack <name>'],
  [['--distribution', '', '--paths', '/x'], "error: option '--distribution <id>' argument '' is invalid. expected a CloudFront distribution id (letters and digits, such as E2ABCDEF12345), got ''"],
  [['--distribution', '../E1', '--paths', '/x'], "error: option '--distribution <id>' argument '../E1' is invalid. expected a CloudFront distribution id (letters and digits, such as E2ABCDEF12345), got '../E1'"],
  [['--distribution', 'E1'], 'error: nothing to invalidate: pass --paths, --tags, --group (with a manifest) or --all'],
  [['--distribution', 'E1', '--paths', '/x', '--endpoint', 'notaurl'], "error: option '--endpoint <url>' argument 'notaurl' is invalid. expected an http(s) URL such as http://127.0.0.1:4566, got 'notaurl'"],
])('%j: a usage error, nothing sent', async (args, error) => {
  const run = await runCli(['invalidate', ...args, ...(args.includes('--endpoint') ? [] : ['--endpoint', endpoint])], {}, REPO_ROOT);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(`${error}\n${HINT}`);
  expect(requests).toEqual([]);
});
