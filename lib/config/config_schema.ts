/**
 * The zod schemas of `mirror.openshift.io/v1alpha2` and `v2alpha1` ImageSetConfiguration and
 * DeleteImageSetConfiguration documents. They check each value on its own (types, required fields,
 * versions, image references, patterns, regular expressions); rules that relate several values live in
 * `config_rules.ts`. Every object is strict. Error messages are tails that follow the value's path, e.g.
 * `"4.14" is not a version (want X.Y.Z)`.
 *
 * Each schema is cut from one superset, so all of them parse into {@link RawConfigDocument}; the fields
 * of one API version or kind only are listed in {@link VERSION_ONLY_FIELDS}.
 * @module
 */
import { z } from "zod";
import { ImageReferenceError } from "../errors.ts";
import { isTag, parseImageLocation, parseImageReference } from "../reference/mod.ts";
import { didYouMean } from "./did_you_mean.ts";
import { compileGoRegexp, GoRegexpError } from "./go_regexp.ts";
import { type ApiVersion, type ConfigKind, RELEASE_ARCHITECTURES } from "./image_set_config.ts";
import { listOr, quoteValue } from "./_messages.ts";
import { normalizeOperatorVersion, normalizeReleaseVersion } from "./_versions.ts";

/** The pattern `targetCatalog` and `targetRepo` must match: repository path components, nothing else. */
export const REPOSITORY_PATH_PATTERN =
  /^[a-z0-9]+((?:[._]|__|[-]*)[a-z0-9]+)*(\/[a-z0-9]+((?:[._]|__|[-]*)[a-z0-9]+)*)*$/;

type Check = (value: string) => string | undefined;

/** A non-empty string that passes `check` (which returns a message tail for a bad value). */
function text(check?: Check) {
  return z.string().superRefine((value, ctx) => {
    const tail = value === "" ? "is empty" : check?.(value);
    if (tail !== undefined) ctx.addIssue({ code: "custom", message: tail, input: value });
  });
}

function choice<T extends string>(values: readonly T[], noun: string, aliases: Record<string, T> = {}) {
  return z.enum(values as [T, ...T[]], {
    error: (issue) => {
      if (issue.code !== "invalid_value" || typeof issue.input !== "string") return undefined;
      const suggestion = aliases[issue.input] ?? didYouMean(issue.input, values);
      const hint = suggestion === undefined ? "" : `: did you mean ${quoteValue(suggestion)}?`;
      return `${quoteValue(issue.input)} is not ${noun}${hint} (want ${listOr(values)})`;
    },
  });
}

function imageReferenceProblem(value: string, parse: (s: string) => unknown): string | undefined {
  try {
    parse(value);
    return undefined;
  } catch (e) {
    if (!(e instanceof ImageReferenceError)) throw e;
    for (
      const prefix of [`Image reference "${value}" `, `Image location "${value}" `, `Location "${value}" `]
    ) {
      if (e.message.startsWith(prefix)) return `${quoteValue(value)} ${e.message.slice(prefix.length)}`;
    }
    return `${quoteValue(value)} is not an image reference: ${e.message}`;
  }
}

/** Parses a catalog: an image reference, `docker://` plus one, or `oci://` plus a layout directory. */
export function parseCatalogLocation(value: string) {
  return /^[a-z]+:\/\//.test(value)
    ? parseImageLocation(value)
    : { kind: "docker" as const, reference: parseImageReference(value) };
}

const releaseVersion = text((v) =>
  normalizeReleaseVersion(v) === undefined ? `${quoteValue(v)} is not a version (want X.Y.Z)` : undefined
).transform((v) => normalizeReleaseVersion(v) ?? v);

const operatorVersion = text((v) =>
  normalizeOperatorVersion(v) === undefined ? `${quoteValue(v)} is not a version (want X.Y.Z)` : undefined
).transform((v) => normalizeOperatorVersion(v) ?? v);

const imageReference = text((v) => imageReferenceProblem(v, parseImageReference));

const catalogReference = text((v) => imageReferenceProblem(v, parseCatalogLocation));

const repositoryPath = text((v) => {
  if (REPOSITORY_PATH_PATTERN.test(v)) return undefined;
  if (/[:@]/.test(v)) return `${quoteValue(v)} is not a repository path: remove the tag or digest`;
  return `${quoteValue(v)} is not a repository path (want lower-case letters and digits with . _ __ - ` +
    `separators, in components separated by /, without registry, tag or digest)`;
});

const tag = text((v) =>
  isTag(v)
    ? undefined
    : `${quoteValue(v)} is not a valid tag (want up to 128 letters, digits, _ . -, not starting with . or -)`
);

const goRegexp = text((v) => {
  try {
    compileGoRegexp(v);
    return undefined;
  } catch (e) {
    if (e instanceof GoRegexpError) return `${quoteValue(v)} is not a valid regular expression: ${e.reason}`;
    throw e;
  }
});

const httpUrl = text((v) => {
  let url: URL | undefined;
  try {
    url = new URL(v);
  } catch {
    url = undefined;
  }
  return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
    ? undefined
    : `${quoteValue(v)} is not an http:// or https:// URL`;
});

const archiveSize = z.number({
  error: (issue) => `${quoteValue(issue.input)} is not a whole number of GiB (want e.g. 4)`,
}).superRefine((n, ctx) => {
  if (!Number.isInteger(n) || n <= 0) {
    ctx.addIssue({ code: "custom", message: `${n} is not a positive whole number of GiB (want e.g. 4)` });
  }
});

const flag = z.boolean();

const platformEntry = z.strictObject({ os: text(), architecture: text() });

const architecture = choice(RELEASE_ARCHITECTURES, "an architecture", {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
});

/**
 * Fields that exist only in one API version or one kind, by the path of their object (`[]` stands for
 * any list index, `content` for `mirror` or `delete`).
 */
export const VERSION_ONLY_FIELDS = {
  v1alpha2: {
    "": ["storageConfig"],
    "content.operators[]": ["targetName", "originalRef"],
    "content.operators[].packages[]": ["minBundle"],
    "content.operators[].packages[].channels[]": ["minBundle"],
  },
  v2alpha1: {
    "content.platform": ["platforms", "release", "kubeVirtContainer"],
    "content.operators[]": ["targetCatalogSourceTemplate", "platforms"],
    "content.additionalImages[]": ["targetRepo", "targetTag", "platforms"],
    "content.helm.repositories[].charts[]": ["platforms"],
  },
} as const;

type ObjectPath = keyof typeof VERSION_ONLY_FIELDS.v1alpha2 | keyof typeof VERSION_ONLY_FIELDS.v2alpha1;

/** `schema` without the fields named; typed as the superset, where all the dropped fields are optional. */
function without<S extends z.ZodObject>(schema: S, fields: readonly string[]): S {
  if (!fields.some((k) => k in schema.shape)) return schema;
  const shape = Object.fromEntries(Object.entries(schema.shape).filter(([k]) => !fields.includes(k)));
  return z.strictObject(shape) as unknown as S;
}

function restrict<S extends z.ZodObject>(schema: S, apiVersion: ApiVersion, at: ObjectPath): S {
  const other = apiVersion === "v1alpha2" ? VERSION_ONLY_FIELDS.v2alpha1 : VERSION_ONLY_FIELDS.v1alpha2;
  return without(schema, (other as Record<string, readonly string[]>)[at] ?? []);
}

function buildSchema(apiVersion: ApiVersion, kind: ConfigKind) {
  const channel = z.strictObject({
    name: text(),
    type: choice(["ocp", "okd"] as const, "a release type").optional(),
    minVersion: releaseVersion.optional(),
    maxVersion: releaseVersion.optional(),
    shortestPath: flag.optional(),
    full: flag.optional(),
  });
  const platform = restrict(
    z.strictObject({
      graph: flag.optional(),
      channels: z.array(channel).optional(),
      architectures: z.array(architecture).optional(),
      platforms: z.array(platformEntry).optional(),
      release: imageReference.optional(),
      kubeVirtContainer: flag.optional(),
    }),
    apiVersion,
    "content.platform",
  );
  const operatorChannel = restrict(
    z.strictObject({
      name: text(),
      minVersion: operatorVersion.optional(),
      maxVersion: operatorVersion.optional(),
      minBundle: text().optional(),
    }),
    apiVersion,
    "content.operators[].packages[].channels[]",
  );
  const operatorPackage = restrict(
    z.strictObject({
      name: text(),
      defaultChannel: text().optional(),
      minVersion: operatorVersion.optional(),
      maxVersion: operatorVersion.optional(),
      minBundle: text().optional(),
      channels: z.array(operatorChannel).optional(),
    }),
    apiVersion,
    "content.operators[].packages[]",
  );
  const operator = restrict(
    z.strictObject({
      catalog: catalogReference,
      targetCatalog: repositoryPath.optional(),
      targetTag: tag.optional(),
      targetName: repositoryPath.optional(),
      full: flag.optional(),
      skipDependencies: flag.optional(),
      targetCatalogSourceTemplate: text().optional(),
      platforms: z.array(platformEntry).optional(),
      originalRef: text().optional(),
      packages: z.array(operatorPackage).optional(),
    }),
    apiVersion,
    "content.operators[]",
  );
  const additionalImage = restrict(
    z.strictObject({
      name: imageReference,
      targetRepo: repositoryPath.optional(),
      targetTag: tag.optional(),
      platforms: z.array(platformEntry).optional(),
    }),
    apiVersion,
    "content.additionalImages[]",
  );
  const chart = restrict(
    z.strictObject({
      name: text(),
      version: text().optional(),
      imagePaths: z.array(text()).optional(),
      platforms: z.array(platformEntry).optional(),
      valuesFiles: z.array(text()).optional(),
    }),
    apiVersion,
    "content.helm.repositories[].charts[]",
  );
  const localChart = z.strictObject({
    name: text(),
    path: text(),
    imagePaths: z.array(text()).optional(),
    valuesFiles: z.array(text()).optional(),
  });
  const helm = z.strictObject({
    repositories: z.array(z.strictObject({ name: text(), url: httpUrl, charts: z.array(chart).optional() }))
      .optional(),
    local: z.array(localChart).optional(),
  });
  const contentFields = {
    platform: platform.optional(),
    operators: z.array(operator).optional(),
    additionalImages: z.array(additionalImage).optional(),
    helm: helm.optional(),
    samples: z.array(z.strictObject({ name: text() })).optional(),
  };
  const mirror = z.strictObject({
    ...contentFields,
    blockedImages: z.array(z.strictObject({ name: goRegexp })).optional(),
  });
  const storageConfig = z.strictObject({
    local: z.strictObject({ path: text() }).optional(),
    registry: z.strictObject({ imageURL: imageReference, skipTLS: flag.optional() }).optional(),
  });
  const root = z.strictObject({
    apiVersion: z.string(),
    kind: z.string(),
    archiveSize: archiveSize.optional(),
    storageConfig: storageConfig.optional(),
    mirror: mirror.optional(),
    delete: z.strictObject(contentFields).optional(),
  });
  const rooted = restrict(root, apiVersion, "");
  return kind === "ImageSetConfiguration"
    ? without(rooted, ["delete"])
    : without(rooted, ["mirror", "archiveSize", "storageConfig"]);
}

/** The zod schema of a whole configuration document of one API version and kind. */
export type ConfigSchema = ReturnType<typeof buildSchema>;

/** What every {@link ConfigSchema} parses into: the document as written, versions normalised. */
export type RawConfigDocument = z.output<ConfigSchema>;

/** The zod schema of a configuration document of `apiVersion` and `kind`. */
export function configSchema(apiVersion: ApiVersion, kind: ConfigKind): ConfigSchema {
  return buildSchema(apiVersion, kind);
}
