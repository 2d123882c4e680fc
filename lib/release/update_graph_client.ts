/**
 * The update service client (Cincinnati): `GET <url>?channel=&arch=&id=` with `Accept: application/json`,
 * the public OpenShift URL by default, `UPDATE_URL_OVERRIDE` as the original honours it, OKD's URL for
 * `type: okd`. Optionally saves every raw response as `<arch>-<channel>.json` (the original's
 * `hold-release/cincinnati-graph-data/` naming) so disk-to-mirror can resolve offline.
 * @see https://github.com/openshift/cincinnati/blob/master/docs/design/cincinnati.md#graph-api
 * @module
 */
import { join } from "node:path";
import type { RunContext } from "../context.ts";
import { abortReason, GraphError } from "../errors.ts";
import { normalizeArchitecture } from "../oci/mod.ts";
import type { OpOptions } from "../store/mod.ts";
import { readCapped } from "./_read_capped.ts";
import { savedGraphFileName } from "./saved_graph_source.ts";
import {
  GRAPH_ARCHITECTURES,
  isGraphArchitecture,
  MAX_GRAPH_BYTES,
  parseUpdateGraph,
  type UpdateGraph,
  type UpdateGraphSource,
} from "./update_graph.ts";

/** The public OpenShift update service. */
export const OCP_UPDATE_GRAPH_URL = "https://api.openshift.com/api/upgrades_info/v1/graph";

/** OKD's update service. */
export const OKD_UPDATE_GRAPH_URL = "https://origin-release.ci.openshift.org/graph";

/** Environment variable that replaces the OpenShift update service URL (e.g. an OSUS in an enclave). */
export const UPDATE_URL_OVERRIDE_ENV = "UPDATE_URL_OVERRIDE";

/** The graph URL for a channel type: OKD's, else `UPDATE_URL_OVERRIDE` when set, else the public one. */
export function updateGraphUrl(ctx: Pick<RunContext, "env">, type: "ocp" | "okd" = "ocp"): string {
  if (type === "okd") return OKD_UPDATE_GRAPH_URL;
  const override = ctx.env(UPDATE_URL_OVERRIDE_ENV);
  return override !== undefined && override !== "" ? override : OCP_UPDATE_GRAPH_URL;
}

/** Normalises an architecture (`x86_64` → `amd64`) and checks the update service knows it. */
export function graphArchitecture(arch: string): string {
  const a = normalizeArchitecture(arch);
  if (!isGraphArchitecture(a)) {
    throw new GraphError(
      `Architecture "${arch}" is not one the update service knows: want one of ${
        GRAPH_ARCHITECTURES.join(", ")
      }`,
    );
  }
  return a;
}

/** Options of {@link UpdateGraphClient}. */
export interface UpdateGraphClientOptions {
  /** Gives the environment (`UPDATE_URL_OVERRIDE`) and the run's abort signal. */
  ctx: Pick<RunContext, "env" | "signal">;
  /** @default "ocp" */
  type?: "ocp" | "okd";
  /** The graph URL; beats `UPDATE_URL_OVERRIDE` and the defaults. */
  url?: string;
  /** Directory to save each raw response in as `<arch>-<channel>.json`; nothing is saved when unset. */
  saveDir?: string;
  /** Time allowed for one request, body included. @default 300000 */
  timeoutMs?: number;
  /** The `id` query parameter the service logs. @default a random UUID per client */
  id?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Fetches update graphs from an update service. */
export class UpdateGraphClient implements UpdateGraphSource {
  /** The graph URL requests go to (without query). */
  readonly url: string;
  #ctx: Pick<RunContext, "env" | "signal">;
  #saveDir: string | undefined;
  #timeoutMs: number;
  #id: string;
  #fetch: typeof fetch;

  constructor(options: UpdateGraphClientOptions) {
    this.#ctx = options.ctx;
    this.url = options.url ?? updateGraphUrl(options.ctx, options.type ?? "ocp");
    this.#saveDir = options.saveDir;
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    this.#id = options.id ?? crypto.randomUUID();
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Fetches, parses and (with `saveDir`) saves the graph of `channel` for `arch`. */
  async graph(channel: string, arch: string, o: OpOptions = {}): Promise<UpdateGraph> {
    const a = graphArchitecture(arch);
    let url: URL;
    try {
      url = new URL(this.url);
    } catch (cause) {
      throw new GraphError(`Update service URL "${this.url}" is not a URL`, {
        cause,
        hint: `Check ${UPDATE_URL_OVERRIDE_ENV}`,
      });
    }
    url.searchParams.set("channel", channel);
    url.searchParams.set("arch", a);
    url.searchParams.set("id", this.#id);
    const what = `update graph of channel "${channel}" (${a}) from ${this.url}`;
    const signals = [this.#ctx.signal, AbortSignal.timeout(this.#timeoutMs)];
    if (o.signal) signals.push(o.signal);
    const signal = AbortSignal.any(signals);
    let bytes: Uint8Array;
    try {
      const res = await this.#fetch(url, { headers: { Accept: "application/json" }, signal });
      if (res.status !== 200) {
        const text = (await res.text().catch(() => "")).replace(/\s+/g, " ").trim().slice(0, 300);
        throw new GraphError(
          `Cannot get the ${what}: HTTP ${res.status} ${res.statusText}${text ? `: ${text}` : ""}`,
          { hint: "Check the channel name and architecture, and the update service URL" },
        );
      }
      if (!res.body) throw new GraphError(`Cannot get the ${what}: the response has no body`);
      bytes = await readCapped(res.body, MAX_GRAPH_BYTES, () => {
        throw new GraphError(`The ${what} is larger than ${MAX_GRAPH_BYTES} bytes`);
      });
    } catch (e) {
      if (o.signal?.aborted) throw abortReason(o.signal);
      if (this.#ctx.signal.aborted) throw abortReason(this.#ctx.signal);
      if (e instanceof GraphError) throw e;
      const timedOut = signal.aborted;
      throw new GraphError(
        `Cannot get the ${what}: ${
          timedOut ? `no answer within ${this.#timeoutMs} ms` : e instanceof Error ? e.message : String(e)
        }`,
        { cause: e },
      );
    }
    const graph = parseUpdateGraph(bytes, { channel, arch: a, source: this.url });
    if (this.#saveDir !== undefined) await this.#save(bytes, a, channel);
    return graph;
  }

  async #save(bytes: Uint8Array, arch: string, channel: string): Promise<void> {
    const dir = this.#saveDir as string;
    const path = join(dir, savedGraphFileName(arch, channel));
    const tmp = `${path}.partial-${crypto.randomUUID()}`;
    try {
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeFile(tmp, bytes);
      await Deno.rename(tmp, path);
    } catch (cause) {
      await Deno.remove(tmp).catch(() => {});
      throw new GraphError(`Cannot save the update graph of channel "${channel}" (${arch}) to "${path}"`, {
        cause,
      });
    }
  }
}
