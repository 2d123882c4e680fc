/**
 * The command-line interface: flag parsing, one file per command, and the renderers of run events (TTY
 * progress, plain lines, JSON). Holds no business logic: commands call the workflows.
 * @module
 */
export * from "./command.ts";
export * from "./commands.ts";
export * from "./run_cli.ts";
export * from "./flags.ts";
export * from "./render_events.ts";
