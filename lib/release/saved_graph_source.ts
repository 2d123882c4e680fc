/**
 * Update graphs saved by an earlier run (`working-dir/hold-release/cincinnati-graph-data/<arch>-<channel>.json`),
 * read back so disk-to-mirror selects the same releases without reaching the update service.
 * @module
 */
import { join } from "node:path";
import { GraphError } from "../errors.ts";
import type { OpOptions } from "../store/mod.ts";
import {
  MAX_GRAPH_BYTES,
  parseUpdateGraph,
  type UpdateGraph,
  type UpdateGraphSource,
} from "./update_graph.ts";

/** Where graphs are saved inside the working directory, as the original keeps them. */
export const SAVED_GRAPHS_DIR = "hold-release/cincinnati-graph-data";

/** The file name of a saved graph: `<arch>-<channel>.json`. */
export function savedGraphFileName(arch: string, channel: string): string {
  return `${arch}-${channel}.json`;
}

/** Options of {@link SavedGraphSource}. */
export interface SavedGraphSourceOptions {
  /** The directory holding `<arch>-<channel>.json` files. */
  dir: string;
}

/** Reads update graphs from saved files. */
export class SavedGraphSource implements UpdateGraphSource {
  readonly dir: string;

  constructor(options: SavedGraphSourceOptions) {
    this.dir = options.dir;
  }

  /** Reads and parses the saved graph of `channel` for `arch`; a missing file is a {@link GraphError}. */
  async graph(channel: string, arch: string, o: OpOptions = {}): Promise<UpdateGraph> {
    const path = join(this.dir, savedGraphFileName(arch, channel));
    let bytes: Uint8Array;
    try {
      const info = await Deno.stat(path);
      if (info.size > MAX_GRAPH_BYTES) {
        throw new GraphError(
          `Saved update graph "${path}" is ${info.size} bytes: the limit is ${MAX_GRAPH_BYTES}`,
        );
      }
      bytes = await Deno.readFile(path, o.signal ? { signal: o.signal } : {});
    } catch (e) {
      if (e instanceof GraphError) throw e;
      if (e instanceof Deno.errors.NotFound) {
        throw new GraphError(
          `No saved update graph for channel "${channel}" (${arch}): "${path}" does not exist`,
          {
            cause: e,
            hint:
              "Run mirror-to-disk with this channel first, and keep the working-dir that came with the archive",
          },
        );
      }
      throw new GraphError(`Cannot read the saved update graph "${path}"`, { cause: e });
    }
    return parseUpdateGraph(bytes, { channel, arch, source: path });
  }
}
