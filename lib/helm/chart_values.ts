/**
 * Values as Helm computes them (`pkg/chartutil`): user values files merged in order, chart defaults
 * coalesced under them (a user `null` deletes a default), each sub-chart's defaults under the parent's
 * values for that sub-chart's name or alias, and `global` values copied down (parent wins). Dependency
 * processing applies aliases and drops dependencies disabled by `condition` or `tags`.
 * @module
 */
import { deepCopy, type GoMap, isGoMap, mapSet } from "./_go_value.ts";
import { semverSatisfies } from "./_sprig_functions.ts";
import type { ChartDependency, LoadedChart } from "./chart.ts";

const GLOBAL = "global";

/** Helm's `mergeMaps`: `override` wins, maps merge recursively (how `-f a.yaml -f b.yaml` combine). */
export function mergeValues(base: GoMap, override: GoMap): GoMap {
  const out: GoMap = {};
  for (const k of Object.keys(base)) mapSet(out, k, base[k]);
  for (const k of Object.keys(override)) {
    const v = override[k];
    const b = out[k];
    if (isGoMap(v) && Object.hasOwn(out, k) && isGoMap(b)) mapSet(out, k, mergeValues(b, v));
    else mapSet(out, k, v);
  }
  return out;
}

function coalesceTables(dst: GoMap, src: GoMap): GoMap {
  for (const key of Object.keys(src)) {
    const val = src[key];
    if (!Object.hasOwn(dst, key)) {
      mapSet(dst, key, val);
      continue;
    }
    const dv = dst[key];
    if (dv === null) delete dst[key];
    else if (isGoMap(val) && isGoMap(dv)) coalesceTables(dv, val);
  }
  return dst;
}

function coalesceChartValues(chart: LoadedChart, v: GoMap): void {
  const defaults = deepCopy(chart.values);
  for (const key of Object.keys(defaults)) {
    const val = defaults[key];
    if (Object.hasOwn(v, key)) {
      const value = v[key];
      if (value === null) delete v[key];
      else if (isGoMap(value) && isGoMap(val)) coalesceTables(value, val);
    } else {
      mapSet(v, key, val);
    }
  }
}

function coalesceGlobals(dest: GoMap, src: GoMap): void {
  const dg = isGoMap(dest[GLOBAL]) ? dest[GLOBAL] as GoMap : Object.hasOwn(dest, GLOBAL) ? undefined : {};
  const sg = isGoMap(src[GLOBAL]) ? src[GLOBAL] as GoMap : Object.hasOwn(src, GLOBAL) ? undefined : {};
  if (dg === undefined || sg === undefined) return;
  for (const key of Object.keys(sg)) {
    const val = sg[key];
    if (isGoMap(val)) {
      const vv = deepCopy(val);
      const destv = dg[key];
      if (!Object.hasOwn(dg, key)) mapSet(dg, key, vv);
      else if (isGoMap(destv)) {
        // Parent globals win: coalesce the child's under a copy of the parent's.
        coalesceTables(vv, destv);
        mapSet(dg, key, vv);
      }
    } else if (!isGoMap(dg[key])) {
      mapSet(dg, key, val);
    }
  }
  mapSet(dest, GLOBAL, dg);
}

function coalesce(chart: LoadedChart, dest: GoMap): GoMap {
  coalesceChartValues(chart, dest);
  for (const sub of chart.dependencies) {
    const name = sub.metadata.name;
    if (!Object.hasOwn(dest, name) || dest[name] === null) mapSet(dest, name, {});
    const dv = dest[name];
    if (!isGoMap(dv)) continue; // Helm fails with "type mismatch"; the sub-chart then sees only defaults.
    coalesceGlobals(dv, dest);
    mapSet(dest, name, coalesce(sub, dv));
  }
  return dest;
}

/**
 * Helm's `CoalesceValues`: the values a chart renders with, given the user's values (which are not
 * modified). Sub-chart values sit under their name (alias) and include their defaults and the globals.
 */
export function coalesceValues(chart: LoadedChart, userValues: GoMap): GoMap {
  return coalesce(chart, deepCopy(userValues));
}

/** The value at a dotted path (`sub.enabled`), or undefined when a step is missing. */
export function pathValue(values: GoMap, path: string): unknown {
  let cur: unknown = values;
  for (const part of path.split(".")) {
    if (!isGoMap(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function isCompatible(dep: ChartDependency, chart: LoadedChart): boolean {
  if (dep.version === undefined || dep.version.trim() === "") return true;
  try {
    return semverSatisfies(dep.version, chart.metadata.version);
  } catch {
    return false;
  }
}

function withName(chart: LoadedChart, name: string): LoadedChart {
  return { ...chart, metadata: { ...chart.metadata, name } };
}

/** The chart tree after dependency processing, and what was noticed on the way. */
export interface ProcessedDependencies {
  chart: LoadedChart;
  warnings: string[];
}

function processEnabled(chart: LoadedChart, values: GoMap, path: string, warnings: string[]): LoadedChart {
  const deps = chart.metadata.dependencies;
  if (deps.length === 0) return chart;
  const kept: LoadedChart[] = [];
  // Sub-charts that no dependency entry names are always kept.
  for (const existing of chart.dependencies) {
    if (!deps.some((d) => d.name === existing.metadata.name && isCompatible(d, existing))) {
      kept.push(existing);
    }
  }
  const resolved: Array<{ dep: ChartDependency; name: string; enabled: boolean }> = [];
  for (const dep of deps) {
    const found = chart.dependencies.find((c) => c.metadata.name === dep.name && isCompatible(dep, c));
    const name = dep.alias ?? dep.name;
    if (found === undefined) {
      warnings.push(
        `Chart "${chart.metadata.name}" lists dependency "${dep.name}"${
          dep.version === undefined ? "" : ` version "${dep.version}"`
        } but charts/ does not hold it: its images are not included`,
      );
      continue;
    }
    kept.push(withName(found, name));
    resolved.push({ dep, name, enabled: true });
  }
  let current: LoadedChart = { ...chart, dependencies: kept };
  const cvals = coalesceValues(current, values);
  const tags = isGoMap(cvals.tags) ? cvals.tags : undefined;
  for (const r of resolved) {
    if (tags !== undefined && r.dep.tags !== undefined) {
      let hasTrue = false;
      let hasFalse = false;
      for (const t of r.dep.tags) {
        const b = tags[t];
        if (b === true) hasTrue = true;
        else if (b === false) hasFalse = true;
      }
      r.enabled = hasTrue || !hasFalse;
    }
    for (const c of (r.dep.condition ?? "").trim().split(",")) {
      const cond = c.trim();
      if (cond === "") continue;
      const v = pathValue(cvals, path + cond);
      if (typeof v === "boolean") {
        r.enabled = v;
        break;
      }
      if (v !== undefined) {
        warnings.push(
          `Condition path "${cond}" for chart "${r.name}" returned a non-boolean value: it is ignored`,
        );
      }
    }
  }
  const disabled = new Set(resolved.filter((r) => !r.enabled).map((r) => r.name));
  const enabled = kept.filter((c) => !disabled.has(c.metadata.name));
  current = {
    ...current,
    metadata: { ...current.metadata, dependencies: resolved.filter((r) => r.enabled).map((r) => r.dep) },
    dependencies: enabled.map((c) => processEnabled(c, cvals, `${path}${c.metadata.name}.`, warnings)),
  };
  return current;
}

/**
 * Helm's `ProcessDependencies`: matches `Chart.yaml` dependencies with the sub-charts in `charts/`, renames
 * aliased ones (copies, so one chart can serve two aliases), and removes those whose `condition` or
 * `tags` (evaluated on the coalesced values) disable them, recursively. The input is not modified.
 */
export function processDependencies(chart: LoadedChart, userValues: GoMap): ProcessedDependencies {
  const warnings: string[] = [];
  const processed = processEnabled(chart, userValues, "", warnings);
  return { chart: processed, warnings };
}
