// deno-lint-ignore-file no-console
console.log("oc-mirror: under construction");
