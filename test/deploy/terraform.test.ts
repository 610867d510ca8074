import { readdirSync, readFileSync } from "node:fs";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../../src/config.ts";

// No terraform binary can be had here, so the configuration is parsed and checked for what
// the hub needs: every setting it reads is wired into the container, from a value or a secret.

const DIR = new URL("../../terraform/", import.meta.url);
type Json = Record<string, unknown>;
let tf: { resource: Record<string, Record<string, Json[]>>; locals: Json[]; variable: Json; output: Json };
let text = "";

beforeAll(async () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".tf"));
  const merged: Json = { resource: {}, locals: [], variable: {}, output: {}, data: {} };
  for (const f of files) {
    const src = readFileSync(new URL(f, DIR), "utf8");
    text += src;
    const j = (await parse(f, src)) as Json;
    for (const [k, v] of Object.entries(j)) {
      if (k === "locals") (merged.locals as Json[]).push(...(v as Json[]));
      else if (k === "resource") {
        for (const [type, byName] of Object.entries(v as Json)) {
          const r = merged.resource as Json;
          r[type] = { ...((r[type] as Json) ?? {}), ...(byName as Json) };
        }
      } else if (typeof v === "object" && v && !Array.isArray(v))
        merged[k] = { ...(merged[k] as Json), ...(v as Json) };
    }
  }
  tf = merged as typeof tf;
});

const res = (type: string, name: string) => tf.resource[type]?.[name]?.[0] as Json | undefined;

describe("terraform for Scaleway", () => {
  it("declares the platform the hub runs on", () => {
    for (const [type, name] of [
      ["scaleway_vpc", "hub"],
      ["scaleway_vpc_private_network", "hub"],
      ["scaleway_sdb_sql_database", "hub"],
      ["scaleway_redis_cluster", "hub"],
      ["scaleway_mnq_nats_account", "hub"],
      ["scaleway_mnq_nats_credentials", "hub"],
      ["scaleway_object_bucket", "artifacts"],
      ["scaleway_registry_namespace", "hub"],
      ["scaleway_container_namespace", "hub"],
      ["scaleway_container", "hub"],
      ["scaleway_secret", "hub"],
      ["scaleway_secret_version", "hub"],
    ] as const) {
      expect(res(type, name), `${type}.${name}`).toBeDefined();
    }
  });

  it("wires every setting the hub reads into the container", () => {
    const locals = Object.assign({}, ...tf.locals) as Json;
    // merge({...}, var.settings) stays an expression: read the keys of its literal map.
    const envExpr = String(locals.environment);
    const plain = new Set([...envExpr.matchAll(/\b([A-Z][A-Z0-9_]+)\s*=/g)].map((m) => m[1]));
    const generated = Object.keys(locals.generated_secrets as Json);
    // User-supplied secrets are documented in var.secrets' description.
    const secretDoc = String((tf.variable.secrets as Json[])[0]?.description ?? "");
    const userSecrets = [...secretDoc.matchAll(/\b([A-Z][A-Z0-9_]{2,})\b/g)].map((m) => m[1]);
    const wired = new Set([...plain, ...generated, ...userSecrets]);
    const missing = CONFIG_KEYS.filter((k) => !wired.has(k));
    expect(missing).toEqual([]);

    const container = res("scaleway_container", "hub");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, as the .tf file has it
    expect(container?.environment_variables).toBe("${local.environment}");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, as the .tf file has it
    expect(container?.secret_environment_variables).toBe("${local.secret_environment}");
    expect(String(locals.secret_environment)).toContain("data.scaleway_secret_version.hub");
  });

  it("keeps secrets out of plain environment variables", () => {
    const locals = Object.assign({}, ...tf.locals) as Json;
    const envExpr = String(locals.environment);
    for (const s of [
      "AGENTOPS_ADMIN_KEY",
      "TELEGRAM_BOT_TOKEN",
      "DISCORD_TOKEN",
      "LLM_API_KEY",
      "DATABASE_URL",
      "REDIS_URL",
    ]) {
      expect(envExpr).not.toMatch(new RegExp(`\\b${s}\\s*=`));
    }
  });

  it("runs the container with a health check and more than one possible instance", () => {
    const c = res("scaleway_container", "hub");
    expect(JSON.stringify(c?.health_check)).toContain("/healthz");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, as the .tf file has it
    expect(c?.max_scale).toBe("${var.max_scale}");
    expect(c?.private_network_id).toBeDefined();
  });

  it("documents every variable and output", () => {
    for (const [name, v] of Object.entries(tf.variable)) {
      expect((v as Json[])[0]?.description, `variable ${name}`).toBeTruthy();
    }
    for (const [name, o] of Object.entries(tf.output)) {
      expect((o as Json[])[0]?.description, `output ${name}`).toBeTruthy();
    }
  });

  it("is in terraform fmt style (two-space indents, aligned equals)", () => {
    expect(text).not.toMatch(/\t/);
    expect(text).not.toMatch(/[ \t]+\n/);
  });
});
