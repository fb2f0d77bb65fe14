import { Token } from 'aws-cdk-lib';

/**
 * Thrown when the route table or the props of a TieredCdn are invalid. `problems` lists every
 * problem found, so one synth shows all of them.
 */
export class TieredCdnValidationError extends Error {
  constructor(readonly constructPath: string, readonly problems: readonly string[]) {
    super(
      `Invalid TieredCdn '${constructPath}' (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'TieredCdnValidationError';
  }
}

/** Collects problems so validation can report all of them at once. */
export class Problems {
  private readonly list: string[] = [];
  private readonly warningList: Array<{ readonly id: string; readonly message: string }> = [];

  /** Something that synthesizes but that the user should hear about (a synth warning with this id). */
  warn(id: string, message: string): void {
    if (!this.warningList.some((w) => w.id === id && w.message === message)) this.warningList.push({ id, message });
  }

  get warnings(): ReadonlyArray<{ readonly id: string; readonly message: string }> {
    return this.warningList;
  }

  add(message: string): void {
    this.list.push(message);
  }

  addAll(messages: readonly string[]): void {
    this.list.push(...messages);
  }

  get messages(): readonly string[] {
    return this.list;
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
