/**
 * Checks shared by the end-to-end mirror tests: parse `mapping.txt`, compare every mapped image's
 * manifest digest at the destination with the source's (skopeo as the referee), and read cluster
 * resources back.
 * @module
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { skopeoManifestDigest } from "./skopeo.ts";

/** One `src=dst` line of mapping.txt, transports stripped. */
export interface MappingLine {
  source: string;
  destination: string;
}

/** Parses mapping.txt. */
export async function readMapping(file: string): Promise<MappingLine[]> {
  const text = await Deno.readTextFile(file);
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => {
    const m = /^docker:\/\/(.+)=docker:\/\/(.+)$/.exec(l);
    assert.ok(m, `mapping line has the original's format: ${l}`);
    return { source: m[1] as string, destination: m[2] as string };
  });
}

/** Options of {@link assertMirrored}. */
export interface MirroredCheck {
  /** Where skopeo reads a source (e.g. the synthetic upstream's `localReference`). */
  sourceRef: (source: string) => string;
  /** Destinations whose digest legitimately differs from the source (rebuilt catalogs, filtered indexes). */
  rebuilt?: (line: MappingLine) => boolean;
}

/** Asserts every mapped image is at its destination with the source's manifest digest (skopeo's view). */
export async function assertMirrored(lines: MappingLine[], o: MirroredCheck): Promise<number> {
  let checked = 0;
  for (const line of lines) {
    const dest = await skopeoManifestDigest(`docker://${line.destination}`);
    if (o.rebuilt?.(line)) {
      assert.match(dest, /^sha256:[a-f0-9]{64}$/);
      continue;
    }
    const src = await skopeoManifestDigest(`docker://${o.sourceRef(line.source)}`);
    assert.equal(dest, src, `${line.destination} has the digest of ${line.source}`);
    checked++;
  }
  return checked;
}

/** Reads every YAML document of a cluster-resources file. */
export async function readYamlDocuments(file: string): Promise<Record<string, unknown>[]> {
  return parseAllDocuments(await Deno.readTextFile(file)).map((d) => {
    assert.deepEqual(d.errors, [], `${file} parses`);
    return d.toJS() as Record<string, unknown>;
  });
}
