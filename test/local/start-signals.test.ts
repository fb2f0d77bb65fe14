import { spawn } from 'child_process';
import * as net from 'net';
import { REPO_ROOT, runCli } from '../tools/invalidate-moto-server';
import { referenceAssembly } from './reference-assembly';

/*
 * `npm start` as a user runs it (npm, its shell, node): killing npm stops the local edge and the
 * demo API it started, for Ctrl-C's SIGINT and for `kill`'s SIGTERM; and it prints the experiment
 * store's ARN and API endpoint as `tiered-cdn local` does, in a command that works as printed.
 */

function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function startNpm(): Promise<{ child: ReturnType<typeof spawn>; out: () => string; exited: Promise<number | null> }> {
  const { dir } = referenceAssembly();
  // detached: the test signals npm alone, as `kill <pid>` would, not its process group.
  const child = spawn('npm', ['start', '--', '--no-synth', '--app', dir, '--port', '0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => (/Ctrl-C to stop/.test(out) ? resolve() : undefined));
    child.on('close', () => reject(new Error(`npm start exited early:\n${out}`)));
  });
  return { child, out: () => out, exited };
}

type Started = Awaited<ReturnType<typeof startNpm>>;

/** Signals npm alone and checks that the local edge and the demo API it started stop listening. */
async function expectStopsOn({ child, out, exited }: Started, signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
  const edge = /Local edge\s+(http:\/\/\S+)/.exec(out())![1];
  const api = /Demo API\s+(http:\/\/\S+)/.exec(out())![1];
  try {
    expect([await listening(edge), await listening(api)]).toEqual([true, true]);
    process.kill(child.pid!, signal);
    await exited;
    // The servers close as the process ends: poll until both refuse connections.
    for (let i = 0; i < 200 && ((await listening(edge)) || (await listening(api))); i++) await new Promise((r) => setTimeout(r, 50));
    expect([await listening(edge), await listening(api)]).toEqual([false, false]);
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

test('killing npm start with SIGINT stops the local edge and the demo API it started', async () => {
  await expectStopsOn(await startNpm(), 'SIGINT');
}, 120_000);

// One npm start for both checks: npm start is started once less per run.
test('npm start prints the experiment store ARN and its API endpoint in a command that runs as printed; killing it with SIGTERM stops the local edge and the demo API it started', async () => {
  const started = await startNpm();
  try {
    const line = /^KeyValueStore \S+: (arn:aws:cloudfront::\d{12}:key-value-store\/\S+) {3}\(API: (http:\/\/127\.0\.0\.1:\d+); (tiered-cdn experiment set .*)\)$/m.exec(started.out());
    expect(line).not.toBeNull();
    const [, arn, endpoint, command] = line!;
    expect(command).toBe(`tiered-cdn experiment set NAME VARIANT=WEIGHT... --kvs-arn ${arn} --endpoint ${endpoint}`);
    const args = command.replace('NAME VARIANT=WEIGHT...', 'home control=100 redesign=0').split(' ').slice(1);
    const run = await runCli([...args, '--app', referenceAssembly().dir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^experiment home: control=100 redesign=0 /);
  } catch (err) {
    process.kill(-started.child.pid!, 'SIGKILL');
    throw err;
  }
  await expectStopsOn(started, 'SIGTERM');
}, 120_000);
