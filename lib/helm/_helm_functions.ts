/**
 * The functions Helm adds to sprig: `toYaml`, `fromYaml`, `fromYamlArray`, `toToml`, `include`, `tpl`,
 * `required`, `fail` and `lookup` (which, as in `helm template`, finds nothing).
 * @see https://helm.sh/docs/howto/charts_tips_and_tricks/
 * @module
 */
import type { TemplateFunction } from "./_template_executor.ts";
import { arity, str } from "./_function_args.ts";
import { isGoMap, toGoString } from "./_go_value.ts";
import { parseYaml, toYaml } from "./_yaml_values.ts";

/** Helm's additions to the sprig function map. */
export function helmFunctions(): Map<string, TemplateFunction> {
  const f = new Map<string, TemplateFunction>();
  f.set("toYaml", (a) => {
    arity("toYaml", a, 1);
    try {
      return toYaml(a[0]);
    } catch {
      return "";
    }
  });
  f.set("mustToYaml", (a) => {
    arity("mustToYaml", a, 1);
    return toYaml(a[0]);
  });
  f.set("toYamlPretty", (a) => {
    arity("toYamlPretty", a, 1);
    return toYaml(a[0]);
  });
  f.set("fromYaml", (a) => {
    arity("fromYaml", a, 1);
    try {
      const v = parseYaml(str(a[0]));
      if (v === null) return {};
      return isGoMap(v) ? v : { Error: "error unmarshaling JSON: cannot unmarshal into map" };
    } catch (e) {
      return { Error: (e as Error).message };
    }
  });
  f.set("fromYamlArray", (a) => {
    arity("fromYamlArray", a, 1);
    try {
      const v = parseYaml(str(a[0]));
      if (v === null) return [];
      return Array.isArray(v) ? v : ["error unmarshaling JSON: cannot unmarshal into array"];
    } catch (e) {
      return [(e as Error).message];
    }
  });
  f.set("toToml", (a) => {
    arity("toToml", a, 1);
    const v = a[0];
    if (!isGoMap(v)) return "";
    return Object.keys(v).sort().filter((k) => !isGoMap(v[k])).map((k) =>
      `${k} = ${JSON.stringify(toGoString(v[k]))}`
    )
      .join("\n");
  });
  f.set("include", (a, call) => {
    arity("include", a, 2);
    return call.include(str(a[0]), a[1]);
  });
  f.set("tpl", (a, call) => {
    arity("tpl", a, 2);
    return call.tpl(str(a[0]), a[1]);
  });
  f.set("required", (a) => {
    arity("required", a, 2);
    const v = a[1];
    if (v === null || v === undefined || v === "") throw new Error(str(a[0]));
    return v;
  });
  f.set("fail", (a) => {
    arity("fail", a, 1);
    throw new Error(str(a[0]));
  });
  f.set("lookup", (a) => {
    arity("lookup", a, 4);
    return {};
  });
  return f;
}
