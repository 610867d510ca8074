/** An ajv error as fastify hands it over (verbose: parentSchema is there). */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { description?: string } & Record<string, unknown>;
}

const PART: Record<string, string> = {
  body: "body",
  querystring: "query",
  params: "path",
  headers: "header",
};

const TYPE_WORDS: Record<string, string> = {
  integer: "a whole number",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  null: "null",
};

/** "/tasks/0/id" in the body → "body.tasks[0].id" */
function fieldName(context: string, instancePath: string, child?: string): string {
  const segments = instancePath.split("/").slice(1);
  if (child !== undefined) segments.push(child);
  let out = PART[context] ?? context;
  for (const s of segments)
    out += /^\d+$/.test(s) ? `[${s}]` : `.${s.replace(/~1/g, "/").replace(/~0/g, "~")}`;
  return out;
}

function typeWords(t: unknown): string {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => TYPE_WORDS[String(x)] ?? String(x)).join(" or ");
}

/** One readable sentence naming the field, from ajv's first useful error. */
export function validationSentence(issues: ValidationIssue[], context: string): string {
  // anyOf/oneOf report every branch first, then themselves: the combinator's description is clearer.
  const combinator = issues.find((i) => i.keyword === "anyOf" || i.keyword === "oneOf");
  const issue = combinator ?? issues[0];
  if (!issue) return `Invalid ${PART[context] ?? context}`;
  const p = issue.params;
  const hint = issue.parentSchema?.description;
  const field = fieldName(context, issue.instancePath);
  switch (issue.keyword) {
    case "required":
      return `${fieldName(context, issue.instancePath, String(p.missingProperty))} is required`;
    case "additionalProperties":
      return `${field} has an unknown field "${String(p.additionalProperty)}"`;
    case "type":
      return context === "body" && issue.instancePath === ""
        ? `The body must be ${typeWords(p.type)}`
        : `${field} must be ${typeWords(p.type)}`;
    case "enum":
      return `${field} must be one of: ${((p.allowedValues as unknown[]) ?? []).map(String).join(", ")}`;
    case "const":
      return `${field} must be ${JSON.stringify(p.allowedValue)}`;
    case "minLength":
      return `${field} must be at least ${String(p.limit)} character${p.limit === 1 ? "" : "s"} long`;
    case "maxLength":
      return `${field} must be at most ${String(p.limit)} characters long`;
    case "minimum":
    case "exclusiveMinimum":
      return `${field} must be ${issue.keyword === "minimum" ? "at least" : "more than"} ${String(p.limit)}`;
    case "maximum":
    case "exclusiveMaximum":
      return `${field} must be ${issue.keyword === "maximum" ? "at most" : "less than"} ${String(p.limit)}`;
    case "minItems":
      return `${field} must have at least ${String(p.limit)} item${p.limit === 1 ? "" : "s"}`;
    case "maxItems":
      return `${field} must have at most ${String(p.limit)} items`;
    case "minProperties":
      return `${field} must have at least ${String(p.limit)} field${p.limit === 1 ? "" : "s"}`;
    case "pattern":
    case "format":
    case "anyOf":
    case "oneOf":
      return hint ? `${field} must be ${hint}` : `${field} has the wrong format`;
    default:
      return `${field} ${issue.message ?? "is invalid"}`;
  }
}
