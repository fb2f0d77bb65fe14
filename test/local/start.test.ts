import { spawn } from 'child_process';
import * as path from 'path';
import { request } from './helpers';
import { referenceAssembly } from './reference-assembly';

/** `npm start` (tools/start.ts) on a synthesized reference app: it serves the demo and says what to try. */

test('starts the demo API and the local edge, prints what to try, serves the api tier, stops on SIGTERM', async () => {
  const outdir = referenceAssembly().dir;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'tools', 'start.ts'), '--no-synth', '--app', outdir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => (/Ctrl-C to stop/.test(out) ? resolve() : undefined);
      child.stdout.on('data', check);
      child.on('close', () => reject(new Error(`npm start exited early:\n${out}`)));
    });
    const url = /Local edge\s+(http:\/\/\S+)/.exec(out)![1];
    expect(out).toContain('npx tiered-cdn token');
    expect(out).toContain(`${url}/api/me/profile`);
    expect(out).toMatch(/\/assets\/app\.[0-9a-f]+\.css/);
    const miss = await request(`${url}/api/products`);
    expect(miss.status).toBe(200);
    expect(miss.headers['x-cache']).toBe('Miss from cloudfront');
    expect((await request(`${url}/api/products`)).headers['x-cache']).toBe('Hit from cloudfront');
    expect((await request(`${url}/api/me/profile`)).status).toBe(401);
    expect((await request(`${url}/`)).status).toBe(200);
    // Experiment cookie names come from the plan in the template, and pin the variant they name.
    expect(out).toContain(`curl -si --cookie 'tcdn-exp-home=redesign' ${url}/`);
    const pinned = await request(`${url}/`, { headers: { cookie: 'tcdn-exp-home=redesign' } });
    expect(pinned.status).toBe(200);
    expect(pinned.body.toString()).toContain('<title>tiered-cdn demo (redesign)');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});
