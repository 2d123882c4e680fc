/**
 * Checks the import rules of STYLE.md: a lib/ folder imports other folders only through their `mod.ts`,
 * never a private `_file.ts` of another folder, never test support, and only in the allowed direction
 * (cli → workflow → plan/release/operator/helm/state/resources → transfer → store ← registry/layout/
 * archive/serve; anyone may use config, oci, reference, errors, context). Exits 1 listing violations.
 * @module
 */
// deno-lint-ignore-file no-console

const LAYER: Record<string, number> = {
  errors: 0,
  "context": 0,
  oci: 1,
  reference: 2,
  config: 3,
  store: 4,
  registry: 5,
  layout: 5,
  archive: 6,
  serve: 6,
  transfer: 7,
  state: 8,
  resources: 8,
  release: 8,
  operator: 8,
  helm: 8,
  plan: 7,
  workflow: 10,
  cli: 11,
};

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile && p.endsWith(".ts")) yield p;
  }
}

function folderOf(path: string): string | undefined {
  const m = /^lib\/([^/]+)(\/|\.ts$)/.exec(path);
  if (!m) return undefined;
  return m[1]?.replace(/\.ts$/, "");
}

function normalize(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const s of spec.split("/")) {
    if (s === "..") parts.pop();
    else if (s !== ".") parts.push(s);
  }
  return parts.join("/");
}

const problems: string[] = [];
const importRe = /(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(["']([^"']+)["']\)/g;
for await (const file of walk("lib")) {
  const isTest = file.endsWith("_test.ts");
  const src = await Deno.readTextFile(file);
  const from = folderOf(file);
  for (const m of src.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    if (!spec || !spec.startsWith(".")) continue;
    const target = normalize(file, spec);
    if (target.startsWith("tests/")) {
      if (!isTest) problems.push(`${file}: imports test support ${target}`);
      continue;
    }
    const to = folderOf(target);
    if (!from || !to || from === to) continue;
    const base = target.split("/").pop() ?? "";
    const isFolderModule = /^lib\/[^/]+\/mod\.ts$/.test(target) || /^lib\/[^/]+\.ts$/.test(target);
    if (!isFolderModule) problems.push(`${file}: imports ${target}; import lib/${to}/mod.ts instead`);
    if (base.startsWith("_")) problems.push(`${file}: imports private file ${target}`);
    if (isTest) continue;
    const lf = LAYER[from];
    const lt = LAYER[to];
    if (lf === undefined || lt === undefined) {
      problems.push(
        `${file}: folder ${lf === undefined ? from : to} has no layer in scripts/check_imports.ts`,
      );
    } else if (lt > lf) {
      problems.push(
        `${file}: lib/${from} must not import lib/${to} (imports point cli → workflow → ... → store)`,
      );
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  Deno.exit(1);
}
