/**
 * Every command of the CLI, in help order.
 * @module
 */
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS, REGISTRY_FLAGS } from "./common_flags.ts";
import { initCommand } from "./init_command.ts";
import { mirrorCommand } from "./mirror_command.ts";
import { pendingCommand } from "./pending_command.ts";
import { serveCommand } from "./serve_command.ts";
import { versionCommand } from "./version_command.ts";

/** All commands; the root mirror command has the empty name. */
export const COMMANDS: readonly Command[] = [
  mirrorCommand,
  initCommand,
  pendingCommand("list releases", "List release channels and versions", [
    "oc-mirror list releases [--channels] [--channel C] [--version 4.14] [--arch A]",
  ], [
    ...GLOBAL_FLAGS,
    { name: "channels", type: "boolean", description: "List the channels of --version" },
    { name: "channel", type: "string", description: "Channel to list (default stable-<version>)" },
    { name: "version", type: "string", description: "OpenShift minor version, e.g. 4.14" },
    {
      name: "arch",
      type: "string",
      default: "amd64",
      description: "Architecture: amd64, arm64, ppc64le, s390x, multi",
    },
    { name: "filter-by-archs", type: "list", hidden: true, description: "Alias of --arch" },
  ]),
  pendingCommand("list operators", "List operator catalog content", [
    "oc-mirror list operators --catalog REF [--package P [--channel C]]",
  ], [
    ...GLOBAL_FLAGS,
    ...REGISTRY_FLAGS,
    { name: "catalog", type: "string", description: "Catalog image reference" },
    { name: "catalogs", type: "boolean", description: "List the Red Hat catalogs of --version" },
    { name: "version", type: "string", description: "OpenShift minor version, e.g. 4.14" },
    { name: "package", type: "string", description: "Package to list" },
    { name: "channel", type: "string", description: "Channel to list" },
  ]),
  pendingCommand("describe", "Describe a mirror archive set", ["oc-mirror describe file://DIR"], [
    ...GLOBAL_FLAGS,
  ]),
  pendingCommand("delete", "Delete mirrored images (v2, two phases)", [
    "oc-mirror delete -c delete-isc.yaml --workspace file://DIR --generate docker://REG[/ns]",
    "oc-mirror delete --delete-yaml-file FILE docker://REG[/ns]",
  ], [
    ...GLOBAL_FLAGS,
    ...REGISTRY_FLAGS,
    {
      name: "config",
      short: "c",
      type: "string",
      valueName: "FILE",
      description: "DeleteImageSetConfiguration file",
    },
    {
      name: "workspace",
      type: "string",
      valueName: "file://DIR",
      description: "Workspace of the earlier mirror run",
    },
    { name: "generate", type: "boolean", description: "Write the delete plan, delete nothing" },
    { name: "delete-id", type: "string", description: "Suffix of the generated delete files" },
    { name: "delete-yaml-file", type: "string", valueName: "FILE", description: "Delete plan to run" },
    { name: "force-cache-delete", type: "boolean", description: "Also delete from the local cache" },
    { name: "delete-signatures", type: "boolean", description: "Also delete sigstore signatures" },
    { name: "delete-v1-images", type: "boolean", description: "Compute v1-style destination tags" },
    { name: "cache-dir", type: "string", valueName: "DIR", description: "Cache location" },
    {
      name: "port",
      short: "p",
      type: "int",
      default: 55000,
      description: "Port of the local cache registry",
    },
  ]),
  pendingCommand("copy", "Copy one image", ["oc-mirror copy SRC DST   (docker://REF or oci://DIR[:ref])"], [
    ...GLOBAL_FLAGS,
    ...REGISTRY_FLAGS,
    { name: "platform", type: "list", description: "Keep only these platforms (os/arch[/variant])" },
    {
      name: "parallel-layers",
      type: "int",
      default: 5,
      min: 1,
      max: 10,
      description: "Blobs copied at once",
    },
  ]),
  serveCommand,
  pendingCommand("verify-upgrade-paths", "Check upgrade paths between mirrored releases", [
    "oc-mirror verify-upgrade-paths -c isc.yaml --workspace file://DIR",
  ], [
    ...GLOBAL_FLAGS,
    {
      name: "config",
      short: "c",
      type: "string",
      valueName: "FILE",
      description: "ImageSetConfiguration file",
    },
    { name: "workspace", type: "string", valueName: "file://DIR", description: "Workspace of a mirror run" },
  ]),
  versionCommand,
];
