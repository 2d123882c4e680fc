/**
 * Regenerates `package-lock.json` so that `npm ci` works on our machines.
 *
 * Our npm mirror carries only the linux-x64 build of the `deno` package's platform binaries, so
 * `npm install --package-lock-only` leaves the other optional `@deno/*` packages out of the lock and
 * `npm ci` then refuses the lock as "out of sync". This script adds lock entries for them carrying only
 * `os`/`cpu`, which npm uses to skip them on every other platform without fetching anything.
 *
 * Usage: `rm -f package-lock.json && npm install --package-lock-only && npx deno run
 * --allow-read=package-lock.json --allow-write=package-lock.json scripts/npm_lock.ts`
 * @module
 */

const file = "package-lock.json";
const lock = JSON.parse(await Deno.readTextFile(file));
const packages: Record<string, Record<string, unknown>> = lock.packages;
const denoEntry = packages["node_modules/deno"];
if (!denoEntry) throw new Error(`${file} has no node_modules/deno entry: run npm install first`);
const version = denoEntry.version as string;
const platforms: Record<string, [string, string, boolean]> = {
  "win32-x64": ["win32", "x64", false],
  "win32-arm64": ["win32", "arm64", false],
  "darwin-x64": ["darwin", "x64", false],
  "darwin-arm64": ["darwin", "arm64", false],
  "linux-arm64-glibc": ["linux", "arm64", true],
  "linux-x64-glibc": ["linux", "x64", true],
};
for (const [name, [os, cpu, glibc]] of Object.entries(platforms)) {
  const key = `node_modules/@deno/${name}`;
  if (packages[key]) continue;
  packages[key] = {
    version,
    cpu: [cpu],
    dev: true,
    ...(glibc ? { libc: ["glibc"] } : {}),
    license: "MIT",
    optional: true,
    os: [os],
  };
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
await Deno.writeTextFile(file, JSON.stringify(lock, null, 2) + "\n");
