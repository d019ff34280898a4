/**
 * The validation layer: inputs are described once as zod schemas and parsed where they enter
 * (files, dataset options, model manifests), and every failure becomes one message that names
 * the file, the key path and the problem, in the same form as the config loaders' errors:
 * `<file>: key \`members[0].inputNorm.std\`: must be > 0`.
 *
 * zod (rather than ajv or valibot) because its schemas are TypeScript values that also give the
 * parsed type (no JSON-schema files beside the interfaces to keep in sync), it refines values
 * across fields (e.g. `std > 0`), and its issues carry the path we print.
 */
import { z, ZodError, ZodIssue, ZodTypeAny } from "zod";

export { z };

/** An input that failed its schema: the message names the file, the key path and the problem. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly where: string,
    readonly issues: ReadonlyArray<{ path: string; problem: string }>,
  ) {
    super(message);
    this.name = "InputError";
  }
}

/** A zod path as the user reads it: `members[0].file`. */
export function keyPath(path: ReadonlyArray<string | number>): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s || "(root)";
}

function describe(issue: ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_enum_value":
      return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")} (got ${JSON.stringify(issue.received)})`;
    case "invalid_literal":
      return `expected ${JSON.stringify(issue.expected)}, got ${JSON.stringify(issue.received)}`;
    case "too_small":
      if (issue.message.startsWith("must")) return issue.message;
      if (issue.type === "number") return `must be ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
      if (issue.type === "array") return `must have at least ${issue.minimum} item${issue.minimum === 1 ? "" : "s"}`;
      if (issue.type === "string") return issue.minimum === 1 ? "must be a non-empty string" : `must have at least ${issue.minimum} characters`;
      return issue.message;
    case "too_big":
      if (issue.message.startsWith("must")) return issue.message;
      if (issue.type === "number") return `must be ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
      return issue.message;
    case "invalid_type":
      return issue.received === "undefined" ? `is required (${issue.expected})` : `expected ${issue.expected}, got ${issue.received}`;
    default:
      return issue.message;
  }
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let v = root;
  for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

/** The issues of a zod error as `{ path, problem }` (unknown keys reported at their own path). */
export function zodIssues(e: ZodError, input?: unknown): Array<{ path: string; problem: string }> {
  const out: Array<{ path: string; problem: string }> = [];
  for (const i of e.issues) {
    if (i.code === "invalid_union" && i.unionErrors.length) {
      // The branch that got furthest explains best; fall back to zod's summary.
      const best = i.unionErrors.map((u) => u.issues).sort((a, b) => Math.max(...b.map((x) => x.path.length)) - Math.max(...a.map((x) => x.path.length)))[0];
      if (best?.length) {
        out.push(...zodIssues(new ZodError(best), input));
        continue;
      }
    }
    if (i.code === "unrecognized_keys") for (const k of i.keys) out.push({ path: keyPath([...i.path, k]), problem: "unknown key" });
    else {
      const v = valueAt(input, i.path);
      const problem = describe(i);
      const got = typeof v === "number" || typeof v === "string" ? JSON.stringify(v) : null;
      const shown = got && ["too_small", "too_big", "custom", "invalid_string", "not_finite"].includes(i.code) && !problem.includes(got) ? ` (got ${got})` : "";
      out.push({ path: keyPath(i.path), problem: problem + shown });
    }
  }
  return out;
}

/**
 * Parses `value` with `schema`; on failure throws an InputError naming `where` (a file, or a file
 * and the section inside it), each offending key path and its problem.
 */
export function parseInput<S extends ZodTypeAny>(schema: S, value: unknown, where: string, prefix = ""): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = zodIssues(r.error, value).map((i) => ({ ...i, path: prefix ? (i.path === "(root)" ? prefix : i.path.startsWith("[") ? prefix + i.path : `${prefix}.${i.path}`) : i.path }));
  const text = issues.map((i) => `key \`${i.path}\`: ${i.problem}`).join("; ");
  throw new InputError(`${where}: ${text}`, where, issues);
}

/**
 * A file or folder name that stays inside its folder: no absolute path, no `..` segment, no
 * separators beyond plain sub-folders, no NUL. Used wherever a name read from a file or a config
 * becomes a path.
 */
export const safeRelativeName = z
  .string()
  .min(1, "must be a non-empty file name")
  .refine((s) => !s.includes("\0"), "must not contain NUL")
  .refine((s) => !/^([/\\]|[A-Za-z]:)/.test(s), "must be relative to its folder (no absolute path)")
  .refine((s) => !s.split(/[/\\]/).includes(".."), "must not contain `..` (it would leave its folder)");

/** A name that becomes a file or folder name: letters, digits, `.`, `_`, `-` (not `.` or `..`). */
export const safeName = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, "must be a non-empty string of letters, digits, . _ - (it becomes a file name)")
  .refine((s) => s !== "." && s !== "..", "must not be . or ..");

/** A finite number (zod's `number()` accepts Infinity). */
export const finite = () => z.number().finite();

/** An integer exact as a JS number: zod's `int()` alone accepts 1e308 and 2^53 + 2. */
export const safeInt = () => z.number().int().safe("must be an integer below 2^53 (exactly representable)");
