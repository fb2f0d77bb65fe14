import { Token } from 'aws-cdk-lib/core';

/**
 * One problem with a TieredCdn's props: a stable `code` (docs/validation.md lists them), the `path`
 * of the prop it is about (`routes[2].auth.audience`), and a message that names the prop, the
 * value received and the fix. Branch on `code` and `path`; the message is for people and may be
 * reworded.
 */
export interface Problem {
  /** Stable code of the rule (table in docs/validation.md). */
  readonly code: string;
  /** The prop the problem is about, e.g. `routes[2].auth.audience`. */
  readonly path: string;
  /** For people: the prop, the value received and the fix. */
  readonly message: string;
}

/**
 * Thrown when the route table or the props of a TieredCdn are invalid. `problems` lists every
 * problem found, so one synth shows all of them.
 */
export class TieredCdnValidationError extends Error {
  constructor(
    /** Construct path of the TieredCdn. */
    readonly constructPath: string,
    /** Every problem found, each with a stable code and the path of its prop. */
    readonly problems: readonly Problem[],
  ) {
    super(
      `Invalid TieredCdn '${constructPath}' (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.message} [${p.code}]`).join('\n'),
    );
    this.name = 'TieredCdnValidationError';
  }
}

/**
 * The prop path a message opens with: `'origins.api.domainName' must ...` -> `origins.api.domainName`,
 * `routes[2] ("/api/*").auth.audience is ...` -> `routes[2].auth.audience`.
 */
export function propPath(message: string): string {
  const text = message
    .replace(/^'/, '')
    .replace(/ \((?:"(?:[^"\\]|\\.)*"|<token>|[^)]*)\)(?=[.\[:\s])/g, '')
    .replace(/ '[^']*'(?=[.\[])/g, '');
  const m = /^[A-Za-z_$][\w$]*(?:\[\d+\]|\.[A-Za-z_$][\w$-]*|\[[^\]\s]+\])*/.exec(text);
  return m ? m[0] : '';
}

/** A problem whose path is the prop its message opens with, unless given. */
export function problem(code: string, message: string, path: string = propPath(message)): Problem {
  return { code, path, message };
}

/** Collects problems so validation can report all of them at once. */
export class Problems {
  private readonly list: Problem[] = [];
  private readonly warningList: Array<{ readonly id: string; readonly message: string }> = [];

  /** Something that synthesizes but that the user should hear about (a synth warning with this id). */
  warn(id: string, message: string): void {
    if (!this.warningList.some((w) => w.id === id && w.message === message)) this.warningList.push({ id, message });
  }

  get warnings(): ReadonlyArray<{ readonly id: string; readonly message: string }> {
    return this.warningList;
  }

  /** Adds a problem; its path is the prop the message opens with unless `path` says otherwise. */
  add(code: string, message: string, path: string = propPath(message)): void {
    this.list.push({ code, path, message });
  }

  addAll(problems: readonly Problem[]): void {
    this.list.push(...problems);
  }

  get problems(): readonly Problem[] {
    return this.list;
  }

  get messages(): readonly string[] {
    return this.list.map((p) => p.message);
  }

  get count(): number {
    return this.list.length;
  }

  throwIfAny(constructPath: string): void {
    if (this.list.length > 0) throw new TieredCdnValidationError(constructPath, this.list);
  }
}

/** Renders a received value for an error message; tokens are shown as such rather than resolved. */
export function show(value: unknown): string {
  if (typeof value === 'string') return Token.isUnresolved(value) ? '<token>' : JSON.stringify(value);
  if (typeof value === 'number') return Token.isUnresolved(value) ? '<token>' : String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
