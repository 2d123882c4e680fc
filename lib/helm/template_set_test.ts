import assert from "node:assert/strict";
import { TemplateError } from "./template_error.ts";
import { templateFunctions } from "./template_functions.ts";
import { TemplateSet } from "./template_set.ts";

function render(text: string, dot: unknown = {}, files: Record<string, string> = {}): string {
  const set = new TemplateSet(templateFunctions());
  for (const [name, body] of Object.entries(files)) set.addFile(name, body);
  set.addFile("main.yaml", text);
  return set.execute("main.yaml", dot);
}

function renderError(text: string, dot: unknown = {}, files: Record<string, string> = {}): TemplateError {
  try {
    render(text, dot, files);
  } catch (e) {
    assert.ok(e instanceof TemplateError, `expected a TemplateError, got ${e}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(text)} to fail`);
}

const values = {
  name: "web",
  n: 2,
  big: 1000000,
  half: 1.5,
  list: ["a", "b", "c", "d", "e"],
  empty: [],
  m: { b: 2, a: 1, c: "x" },
  nested: { a: { b: "deep" } },
  image: { repository: "quay.io/org/app", tag: "1.2.3" },
  quoted: 'a"b',
  flag: false,
};

const cases: Array<[string, string, string, unknown?, Record<string, string>?]> = [
  ["plain text", "hello", "hello"],
  ["field", "{{ .name }}", "web"],
  ["nested field chain", "{{ .nested.a.b }}", "deep"],
  ["missing key prints <no value>", "[{{ .missing }}]", "[<no value>]"],
  ["trim both sides", "a  {{- .name -}}  b", "awebb"],
  ["trim keeps the far side", "a\n  {{- .name }}\n  b", "aweb\n  b"],
  ["trimmed comment", "a \n{{- /* note */ -}}\n b", "ab"],
  ["plain comment", "a{{/* note */}}b", "ab"],
  ["negative number is not a trim marker", "{{-3}}", "-3"],
  ["declare and assign", '{{ $x := "a" }}{{ $x }}{{ $x = "b" }}{{ $x }}', "ab"],
  ["$ is the root", "{{ range .list }}{{ $.name }}{{ end }}", "webwebwebwebweb"],
  [
    "if / else if / else",
    "{{ if eq .n 1.0 }}one{{ else if eq .n 2.0 }}two{{ else }}many{{ end }}",
    "two",
  ],
  ["else if falls through to else", "{{ if .flag }}a{{ else if .missing }}b{{ else }}c{{ end }}", "c"],
  [
    "range with index and value",
    "{{ range $i, $v := .list }}{{ $i }}={{ $v }};{{ end }}",
    "0=a;1=b;2=c;3=d;4=e;",
  ],
  [
    "range over a map is sorted by key",
    "{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}",
    "a=1;b=2;c=x;",
  ],
  ["range else", "{{ range .empty }}x{{ else }}none{{ end }}", "none"],
  ["range over nil is empty", "{{ range .missing }}x{{ else }}none{{ end }}", "none"],
  ["range over an int", "{{ range 3 }}{{ . }}{{ end }}", "012"],
  [
    "break and continue",
    '{{ range .list }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ if eq . "d" }}{{ break }}{{ end }}{{ . }}{{ end }}',
    "ac",
  ],
  ["with sets dot", "{{ with .nested.a }}{{ .b }}{{ end }}", "deep"],
  ["with else", "{{ with .missing }}x{{ else }}none{{ end }}", "none"],
  ["else with", "{{ with .missing }}x{{ else with .name }}{{ . }}{{ end }}", "web"],
  ["with declaration", "{{ with $v := .name }}{{ $v }}{{ end }}", "web"],
  ["define and template", '{{ define "x" }}X{{ . }}{{ end }}{{ template "x" "y" }}', "Xy"],
  ["template without data", '{{ define "x" }}[{{ .a }}]{{ end }}{{ template "x" }}', "[<no value>]"],
  ["block renders its body", '{{ block "b" .name }}<{{ . }}>{{ end }}', "<web>"],
  [
    "include with nindent",
    'labels:{{ include "labels" . | nindent 2 }}',
    "labels:\n  app: web\n  tier: front",
    values,
    { "_helpers.tpl": '{{- define "labels" -}}\napp: {{ .name }}\ntier: front\n{{- end }}' },
  ],
  [
    "nested define and include",
    '{{ include "outer" . }}',
    "outer(inner(web))",
    values,
    {
      "_helpers.tpl":
        '{{- define "inner" }}inner({{ .name }}){{ end }}{{- define "outer" }}outer({{ include "inner" . }}){{ end }}',
    },
  ],
  ["later define wins", '{{ define "x" }}2{{ end }}{{ template "x" }}', "2", {}, {
    "a.tpl": '{{ define "x" }}1{{ end }}',
  }],
  ["printf verbs", '{{ printf "%s-%d-%v-%q" "a" 3 1.5 "q" }}', 'a-3-1.5-"q"'],
  ["printf %d with a float64 value", '{{ printf "%d" .n }}', "%!d(float64=2)"],
  ["printf width and missing arg", '{{ printf "[%5s][%-3d][%s]" "ab" 7 }}', "[   ab][7  ][%!s(MISSING)]"],
  ["print spacing", '{{ print "a" 1 2 "b" }}', "a1 2b"],
  ["println", '{{ println "a" 1 }}', "a 1\n"],
  ["parenthesised pipeline", '{{ (printf "%s" "x") | upper }}', "X"],
  ["pipeline passes the last argument", '{{ "a" | printf "%s-%s" "b" }}', "b-a"],
  [
    "len and index",
    '{{ len .list }} {{ index .list 1 }} {{ index .m "c" }} {{ index .nested "a" "b" }}',
    "5 b x deep",
  ],
  [
    "comparisons",
    '{{ lt 1 2 }} {{ ge 2 2 }} {{ ne "a" "b" }} {{ eq "b" "a" "b" }} {{ gt "b" "a" }}',
    "true true true true true",
  ],
  ["and / or / not", '{{ and 1 0 }} {{ or 0 "" "x" }} {{ not true }} {{ and 1 "y" }}', "0 x false y"],
  ["or short-circuits", "{{ or .name .missing.field }}", "web"],
  ["numbers", "{{ 0x10 }} {{ 1e3 }} {{ -5 }} {{ 'a' }} {{ 1.0 }}", "16 1000 -5 97 1"],
  ["raw string", "{{ `a\\n` }}", "a\\n"],
  ["float formatting", "{{ .big }} {{ .half }} {{ int .big }} {{ .n }}", "1e+06 1.5 1000000 2"],
  ["map and list printing", "{{ .m }} {{ .list }}", "map[a:1 b:2 c:x] [a b c d e]"],
  [
    "default",
    '{{ .missing | default "d" }} {{ default "d" .name }} {{ .flag | default true }}',
    "d web true",
  ],
  [
    "quote and squote",
    "{{ .quoted | quote }} {{ .name | squote }} [{{ .missing | quote }}] {{ 3 | quote }}",
    '"a\\"b" \'web\' [] "3"',
  ],
  [
    "toYaml sorts keys and does not indent lists",
    "{{ toYaml .x }}",
    'a:\n- 1\n- two\nb:\n  c: "yes"',
    { x: { b: { c: "yes" }, a: [1, "two"] } },
  ],
  ["toYaml of a scalar list", "{{ list 1 2 | toYaml }}", "- 1\n- 2"],
  ["toJson", '{{ dict "b" 1 "a" (list "x" "<") | toJson }}', '{"a":["x","\\u003c"],"b":1}'],
  ["fromYaml", '{{ (fromYaml "a: 1\\nb: [x]").b }}', "[x]"],
  ["fromYaml error", '{{ (fromYaml "a: [").Error | empty | not }}', "true"],
  ["indent and nindent", '{{ "a\\nb" | indent 2 }}|{{ "c" | nindent 4 }}', "  a\n  b|\n    c"],
  [
    "string functions",
    '{{ trim "  x " }} {{ trimSuffix "-" "a-" }} {{ trimPrefix "v" "v1" }} {{ upper "a" }} {{ lower "B" }} {{ title "hello world" }} {{ replace "." "-" "a.b.c" }}',
    "x a 1 A b Hello World a-b-c",
  ],
  [
    "string predicates",
    '{{ contains "b" "abc" }} {{ hasPrefix "a" "abc" }} {{ hasSuffix "c" "abc" }} {{ contains "z" "abc" }}',
    "true true true false",
  ],
  [
    "split and join",
    '{{ (split "/" "a/b")._1 }} {{ join "," (list "a" "b" 3) }} {{ splitList "," "x,y" }}',
    "b a,b,3 [x y]",
  ],
  [
    "dicts",
    '{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ get $d "b" }} {{ hasKey $d "a" }} {{ hasKey $d "z" }} [{{ get $d "z" }}] {{ keys $d }}',
    "2 true false [] [a b]",
  ],
  [
    "merge keeps the destination, mergeOverwrite replaces it",
    '{{ $a := dict "x" 1 "n" (dict "p" 1) }}{{ $b := dict "x" 2 "y" 3 "n" (dict "p" 2 "q" 3) }}{{ merge (deepCopy $a) $b | toJson }} {{ mergeOverwrite $a $b | toJson }}',
    '{"n":{"p":1,"q":3},"x":1,"y":3} {"n":{"p":2,"q":3},"x":2,"y":3}',
  ],
  [
    "empty, coalesce, ternary",
    '{{ empty "" }} {{ empty .m }} {{ coalesce .missing "" "c" }} {{ ternary "y" "n" true }} {{ ternary "y" "n" .flag }}',
    "true false c y n",
  ],
  [
    "encodings and hashes",
    '{{ b64enc "hello" }} {{ sha256sum "a" | trunc 8 }} {{ trunc -3 "abcdef" }} {{ int "42" }} {{ toString 1.5 }}',
    "aGVsbG8= ca978112 def 42 1.5",
  ],
  [
    "semverCompare",
    '{{ semverCompare ">=1.21-0" "v1.31.0" }} {{ semverCompare "<1.19" "1.31.0" }} {{ semverCompare "^1.2, <2" "1.5.0" }}',
    "true false true",
  ],
  ["tpl sees the data and defines", "{{ tpl .t . }}", "web-web", {
    name: "web",
    t: '{{ .name }}-{{ include "n" . }}',
  }, {
    "_h.tpl": '{{ define "n" }}{{ .name }}{{ end }}',
  }],
  [
    "range in a YAML list keeps exact whitespace",
    "spec:\n  containers:\n  {{- range .c }}\n  - name: {{ .name }}\n  {{- end }}\n",
    "spec:\n  containers:\n  - name: a\n  - name: b\n",
    { c: [{ name: "a" }, { name: "b" }] },
  ],
  [
    "variable declared in a block is scoped",
    "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}",
    "21",
  ],
  [
    "assignment in a block changes the outer variable",
    "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
    "2",
  ],
  ["dig", '{{ dig "nested" "a" "b" "none" . }} {{ dig "nested" "x" "none" . }}', "deep none"],
  [
    "list functions",
    '{{ first .list }} {{ last .list }} {{ rest .list | len }} {{ append .empty 1 }} {{ has "c" .list }} {{ until 3 }}',
    "a e 4 [1] true [0 1 2]",
  ],
  [
    "arithmetic",
    "{{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 2 }} {{ add1 .n }} {{ max 1 5 3 }}",
    "6 3 6 3 1 3 5",
  ],
  ["lookup finds nothing", '{{ lookup "v1" "Secret" "ns" "name" | len }}', "0"],
  [
    "regex",
    '{{ regexMatch "^a+$" "aaa" }} {{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}',
    "true -W-xxW-",
  ],
];

for (const [name, text, want, dot, files] of cases) {
  Deno.test(`template: ${name}`, () => {
    assert.equal(render(text, dot ?? values, files ?? {}), want);
  });
}

Deno.test("template: a field of a missing map value fails like Helm (nil pointer)", () => {
  const e = renderError("line1\n{{ .nested.x.y }}", values);
  assert.equal(e.code, "HELM");
  assert.equal(e.file, "main.yaml");
  assert.equal(e.line, 2);
  assert.match(e.message, /^Template "main\.yaml:2" failed: nil pointer evaluating interface \{\}\.y$/);
});

Deno.test("template: required fails with its message at file:line", () => {
  const e = renderError('a\nb\nimage: {{ required "image.tag is required" .image.missing }}', values);
  assert.equal(e.line, 3);
  assert.equal(e.detail, "error calling required: image.tag is required");
  assert.match(e.message, /"main\.yaml:3"/);
});

Deno.test("template: an error inside a define names the define's file and line", () => {
  const helpers = '{{/* helpers */}}\n{{- define "img" -}}\n{{ fail "no image" }}\n{{- end }}';
  const e = renderError('x: {{ include "img" . }}', values, { "_helpers.tpl": helpers });
  assert.equal(e.file, "_helpers.tpl");
  assert.equal(e.line, 3);
  assert.equal(e.definition, "img");
  assert.match(e.message, /^Template "_helpers\.tpl:3" \(in "img"\) failed: error calling fail: no image$/);
});

Deno.test("template: syntax errors are located", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["a\n{{ if }}\n{{ end }}", 2, /missing value for if/],
    ["a\nb\n{{ .x ", 3, /unclosed action/],
    ["{{ end }}", 1, /unexpected \{\{end\}\}/],
    ["{{ if .a }}\nx", 2, /unexpected EOF/],
    ['{{ "abc }}', 1, /unterminated quoted string/],
    ["{{ break }}", 1, /outside \{\{range\}\}/],
    ["{{ 3 | 4 }}", 1, /non executable command/],
  ];
  for (const [text, line, re] of cases) {
    const e = renderError(text);
    assert.equal(e.line, line, text);
    assert.match(e.detail, re, text);
  }
});

Deno.test("template: unknown functions, undefined variables and bad fields fail when executed", () => {
  assert.match(renderError("{{ nope 1 }}").detail, /function "nope" not defined/);
  assert.match(renderError("{{ $x }}").detail, /undefined variable: \$x/);
  assert.match(renderError("{{ .name.first }}", values).detail, /can't evaluate field first in type string/);
  assert.match(renderError('{{ template "none" }}').detail, /no template "none"/);
  assert.match(renderError("{{ .name 1 }}", values).detail, /name is not a method but has arguments/);
});

Deno.test("template: wrong argument types fail as in Go", () => {
  assert.match(renderError("{{ upper .n }}", values).detail, /expected string; got float64/);
  assert.match(renderError("{{ .missing | upper }}", values).detail, /invalid value; expected string/);
  assert.match(renderError("{{ trunc }}").detail, /wrong number of args for trunc: want 2 got 0/);
});

Deno.test("template: recursive include stops at the depth limit", () => {
  const set = new TemplateSet(templateFunctions(), { maxDepth: 50 });
  set.addFile("_h.tpl", '{{ define "loop" }}{{ include "loop" . }}{{ end }}');
  set.addFile("main.yaml", '{{ include "loop" . }}');
  assert.throws(
    () => set.execute("main.yaml", {}),
    (e) => e instanceof TemplateError && /maximum template depth/.test(e.message),
  );
});

Deno.test("template: output is capped", () => {
  const set = new TemplateSet(templateFunctions(), { maxOutputChars: 1000 });
  set.addFile("main.yaml", "{{ range until 500 }}xxxx{{ end }}");
  assert.throws(
    () => set.execute("main.yaml", {}),
    (e) => e instanceof TemplateError && /larger than 1000/.test(e.message),
  );
});

Deno.test("template: random functions are deterministic per function map", () => {
  const a = render("{{ randAlphaNum 12 }}");
  const b = render("{{ randAlphaNum 12 }}");
  assert.equal(a.length, 12);
  assert.equal(a, b);
});

Deno.test("template: a loop that prints nothing still stops at the step limit", () => {
  const set = new TemplateSet(templateFunctions(), { maxSteps: 10_000 });
  set.addFile("main.yaml", "{{ range 1000000000 }}{{ end }}");
  assert.throws(
    () => set.execute("main.yaml", {}),
    (e) => e instanceof TemplateError && /more than 10000 steps/.test(e.message),
  );
});
