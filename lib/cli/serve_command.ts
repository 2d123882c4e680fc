/**
 * `oc-mirror serve --root DIR`: serves a cache or an unpacked archive as a registry until interrupted,
 * so a bastion with nothing else installed can serve the mirror to a cluster.
 * @module
 */
import { UsageError } from "../errors.ts";
import { runServe } from "../serve/mod.ts";
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS } from "./common_flags.ts";

/** The serve command. */
export const serveCommand: Command = {
  name: "serve",
  description: "Serve an oc-mirror cache or an unpacked archive as an OCI registry until interrupted",
  usage: [
    "oc-mirror serve --root DIR [--port N] [--address A] [--tls-cert F --tls-key F] [--htpasswd F] [--read-only]",
  ],
  flags: [
    ...GLOBAL_FLAGS,
    {
      name: "root",
      type: "string",
      valueName: "DIR",
      description: "Folder holding docker/registry/v2 (or a --cache-dir)",
    },
    {
      name: "port",
      short: "p",
      type: "int",
      default: 5000,
      min: 0,
      max: 65535,
      description: "Port to listen on (0: any free port)",
    },
    { name: "address", type: "string", default: "0.0.0.0", description: "Address to listen on" },
    { name: "tls-cert", type: "string", valueName: "FILE", description: "TLS certificate (PEM)" },
    { name: "tls-key", type: "string", valueName: "FILE", description: "TLS private key (PEM)" },
    {
      name: "htpasswd",
      type: "string",
      valueName: "FILE",
      description: "htpasswd file (bcrypt entries) for Basic auth",
    },
    { name: "read-only", type: "boolean", description: "Refuse pushes and deletes" },
  ],
  examples: [
    "oc-mirror serve --root /srv/mirror --port 5000 --tls-cert tls.crt --tls-key tls.key --read-only",
  ],
  async run({ ctx, flags }) {
    const root = flags.string("root") ?? flags.positionals[0];
    if (!root) throw new UsageError("The folder to serve is missing: use --root DIR");
    const cert = flags.string("tls-cert");
    const key = flags.string("tls-key");
    if ((cert === undefined) !== (key === undefined)) {
      throw new UsageError("Flags --tls-cert and --tls-key go together: give both or neither");
    }
    const htpasswd = flags.string("htpasswd");
    await runServe(ctx, {
      root,
      hostname: flags.string("address") ?? "0.0.0.0",
      port: flags.int("port") ?? 5000,
      readOnly: flags.bool("read-only"),
      ...(cert && key ? { tls: { certFile: cert, keyFile: key } } : {}),
      ...(htpasswd ? { htpasswd } : {}),
    });
    return {};
  },
};
