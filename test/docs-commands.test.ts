import * as fs from 'fs';
import * as path from 'path';
import { buildProgram } from '../tools/cli';

/**
 * Every `tiered-cdn` command written in README.md and docs/*.md names a command that exists and only
 * options that command has, so a renamed or dropped option cannot leave the docs behind. The
 * commands that run against the demo are run as written by their own tests (audit --help examples:
 * test/tools/audit-demo.test.ts; npm start's list: test/local/start.test.ts; "Use it in your
 * stack": test/package.test.ts).
 */
const ROOT = path.join(__dirname, '..');
const FILES = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];

/** Commands in fenced sh blocks and in inline code, with the file they are in. */
function documentedCommands(): Array<{ file: string; command: string }> {
  const out: Array<{ file: string; command: string }> = [];
  for (const file of FILES) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const code = [
      ...[...text.matchAll(/^```(?:sh|bash|console)?\n([\s\S]*?)^```$/gm)].flatMap((m) => m[1].split('\n').map((l) => l.replace(/\s+#.*$/, ''))),
      ...[...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]),
    ];
    for (const line of code) {
      for (const m of line.matchAll(/(?:^|[\s($])(?:npx )?tiered-cdn ([a-z][a-z-]*)((?: +(?!\||&&|;|>|\))[^\s|;&)]+)*)/g)) {
        out.push({ file, command: `${m[1]}${m[2]}`.trim() });
      }
    }
  }
  return out;
}

test('the docs name tiered-cdn commands (so this check can fail)', () => {
  expect(documentedCommands().length).toBeGreaterThan(20);
});

test('every tiered-cdn command in README.md and docs/ exists and takes the options written', () => {
  const program = buildProgram();
  const problems: string[] = [];
  for (const { file, command } of documentedCommands()) {
    const [name, ...rest] = command.split(/\s+/);
    let sub = program.commands.find((c) => c.name() === name);
    let args = rest;
    // A command with subcommands (`experiment set`): the options are the subcommand's.
    const inner = sub?.commands.find((c) => c.name() === rest[0]);
    if (inner) {
      sub = inner;
      args = rest.slice(1);
    }
    if (!sub) {
      problems.push(`${file}: 'tiered-cdn ${command}': no command '${name}'`);
      continue;
    }
    const known = new Set(sub.options.flatMap((o) => [o.long, o.short]).concat(['--help', '-h']));
    for (const flag of args.filter((a) => /^--?[a-z]/.test(a)).map((a) => a.split('=')[0])) {
      if (!known.has(flag)) problems.push(`${file}: 'tiered-cdn ${command}': ${name} has no option ${flag}`);
    }
  }
  expect(problems).toEqual([]);
});

test('every `npm run <script>` in README.md and docs/ is a script of package.json', () => {
  const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts);
  const named = FILES.flatMap((file) => [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => ({ file, script: m[1] })));
  expect(named.length).toBeGreaterThan(3);
  expect(named.filter((n) => !scripts.includes(n.script))).toEqual([]);
});
