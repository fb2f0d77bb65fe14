import type { Command } from 'commander';

/** Each subcommand registers itself on the program; add one line per command. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [];
