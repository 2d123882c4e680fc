/**
 * Paths into a configuration (`["mirror", "platform", "channels", 0, "minVersion"]`), their printed form
 * (`mirror.platform.channels[0].minVersion`) and the positions they were written at.
 * @module
 */

/** A path of keys and list indexes from the document root; keys use their canonical spelling. */
export type ConfigPath = readonly (string | number)[];

/** A 1-based line and column in the configuration file. */
export interface ConfigPosition {
  line: number;
  column: number;
}

/** Formats a path as `mirror.platform.channels[0].minVersion`. */
export function formatConfigPath(path: ConfigPath): string {
  let s = "";
  for (const part of path) {
    if (typeof part === "number") s += `[${part}]`;
    else s += s === "" ? part : `.${part}`;
  }
  return s;
}

/** Where each key and value of a document was written. */
export class PositionIndex {
  #values = new Map<string, ConfigPosition>();
  #keys = new Map<string, ConfigPosition>();

  /** Records where the value at `path` starts. */
  setValue(path: ConfigPath, position: ConfigPosition): void {
    this.#values.set(JSON.stringify(path), position);
  }

  /** Records where the key of the value at `path` starts. */
  setKey(path: ConfigPath, position: ConfigPosition): void {
    this.#keys.set(JSON.stringify(path), position);
  }

  /** Where the value at `path` starts, if it was written. */
  value(path: ConfigPath): ConfigPosition | undefined {
    return this.#values.get(JSON.stringify(path));
  }

  /** Where the key of the value at `path` starts (the list item for an index), if it was written. */
  key(path: ConfigPath): ConfigPosition | undefined {
    return this.#keys.get(JSON.stringify(path)) ?? this.value(path);
  }

  /** The value's position, else that of the closest ancestor that was written, else 1:1. */
  nearest(path: ConfigPath): ConfigPosition {
    for (let n = path.length; n >= 0; n--) {
      const p = this.value(path.slice(0, n));
      if (p !== undefined) return p;
    }
    return { line: 1, column: 1 };
  }
}
