/**
 * The configuration files: `ImageSetConfiguration` and `DeleteImageSetConfiguration` of
 * `mirror.openshift.io/v1alpha2` and `v2alpha1`. Owns reading them (YAML with positions, one zod schema
 * per API version and kind, keys spelt in another case, "did you mean" for unknown keys, the validation
 * rules), the typed model with its defaults, and the `init` template. Does not own what the content
 * means: release selection, catalog filtering, Helm rendering and destination naming live in their own
 * folders, which report runtime problems at the right line through {@link LoadedConfig.problemAt}.
 *
 * Choices where the original leaves room:
 * - Keys differing only in case from a known key are accepted with a warning (Go's JSON decoding accepts
 *   them silently; the official examples write `maxversion`).
 * - Release `minVersion`/`maxVersion` must be full `X.Y.Z` versions (`4.14` is rejected; a leading `v`
 *   is dropped). Operator versions get Masterminds' leniency (`v5.8` reads as `5.8.0`), as the catalog
 *   filter of the original parses them; both are stored normalised.
 * - `blockedImages` are Go regular expressions: checked against RE2 syntax and translated to JavaScript
 *   (see `go_regexp.ts` for what is translated and what is refused).
 * - Static checks the original only makes at run time: `minVersion` above `maxVersion`, `full: true`
 *   with a version range, a `defaultChannel` that is not among the listed channels.
 * - `archiveSize` stays `undefined` when not written; consumers default it to 500 GiB.
 * - YAML 1.2: `yes`/`no` are text, not booleans. A scalar written where text is wanted keeps its
 *   source text (`targetTag: 1.10` is `"1.10"`).
 *
 * Our extension to the schema: Helm charts (repository and local) may carry `valuesFiles: [path]`,
 * values files to render the chart with.
 * @module
 */
export * from "./image_set_config.ts";
export { type ConfigPath, type ConfigPosition, formatConfigPath } from "./config_path.ts";
export {
  type ConfigSchema,
  configSchema,
  type RawConfigDocument,
  REPOSITORY_PATH_PATTERN,
  VERSION_ONLY_FIELDS,
} from "./config_schema.ts";
export { catalogUniqueName } from "./config_rules.ts";
export { compileGoRegexp, GoRegexpError } from "./go_regexp.ts";
export { didYouMean, editDistance } from "./did_you_mean.ts";
export {
  loadConfig,
  loadConfigFile,
  type LoadConfigFileOptions,
  type LoadConfigOptions,
  type LoadedConfig,
} from "./load_config.ts";
export { type InitTemplateOptions, renderInitTemplate } from "./init_template.ts";
