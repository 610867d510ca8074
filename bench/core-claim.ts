/**
 * Claim + complete throughput: the hub's REST API against raw SQL, graphile-worker and pg-boss,
 * each on a fresh database of the local Postgres, 8 concurrent workers, printed side by side.
 *
 *   npx tsx bench/core-claim.ts [count=20000]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Pool } from "undici";
import { freshDatabase, hubDatabaseWithTasks, percentile, printTable } from "./bench-db.ts";

const WORKERS = 8;
const BATCH = 50;

export interface SystemResult {
  system: string;
  count: number;
  seconds: number;
  perSecond: number;
  claimP50Ms?: number;
  claimP99Ms?: number;
  hubRssMb?: number;
  /** the hub process's CPU time (user + system) per task, in microseconds */
  hubCpuUsPerTask?: number;
  /**
   * events not yet published when the last task completed: work the relay still had to do
   * after the clock stopped (a hub whose relay falls behind looks faster than it can sustain)
   */
  eventsUnpublished?: number;
}

const now = () => performance.now();

// e.g. BENCH_PERF_CTL=/tmp/perf-ctl with `perf record -a -D -1 --control fifo:/tmp/perf-ctl`: the
// whole machine is recorded only while a system is being timed, not while its tasks are set up.
const perfControl = (command: "enable" | "disable") => {
  const fifo = process.env.BENCH_PERF_CTL;
  if (fifo) writeFileSync(fifo, `${command}\n`);
};
const startTiming = () => {
  perfControl("enable");
  return now();
};
const secondsSince = (started: number) => {
  const seconds = (now() - started) / 1000;
  perfControl("disable");
  return seconds;
};
const latencies = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { claimP50Ms: round(percentile(s, 50)), claimP99Ms: round(percentile(s, 99)) };
};
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

// ---------- the hub over HTTP ----------

async function startHub(
  databaseUrl: string,
  adminKey: string,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      // e.g. HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the hub alone
      ...(process.env.HUB_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      "--import",
      "tsx",
      fileURLToPath(new URL("./hub-server.ts", import.meta.url)),
    ],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl, ADMIN_KEY: adminKey },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`hub exited with ${code}`)));
  });
  return { url, child };
}

async function hubMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+(?:\\.\\d+)?(?:e[+-]\\d+)?)`, "m").exec(text);
  return m?.[1] ? Number(m[1]) : 0;
}
const hubRssMb = async (url: string) =>
  round((await hubMetric(url, "agentops_process_resident_memory_bytes")) / 1_048_576, 1);
const hubCpuSeconds = (url: string) => hubMetric(url, "agentops_process_cpu_seconds_total");

/** A process's peak resident memory so far, from Linux's /proc; undefined elsewhere. */
async function peakRssMbOf(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : round(Number(kb) / 1024, 1);
  } catch {
    return undefined;
  }
}

// undici's pool with keep-alive: the lightest Node HTTP client (about half node:http's CPU per
// request), so the loops measure the hub rather than the client sharing its machine.
const pools = new Map<string, Pool>();

async function call<T>(
  url: string,
  key: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let pool = pools.get(url);
  if (!pool) {
    pool = new Pool(url, { connections: 2 * WORKERS });
    pools.set(url, pool);
  }
  const res = await pool.request({
    path,
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 400) throw new Error(`${path}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

interface Claimed {
  tasks: Array<{ id: string; claim_token: string }>;
}

type HubMode = "one" | "next" | "batched";

async function benchHub(count: number, mode: HubMode): Promise<SystemResult> {
  const batched = mode === "batched";
  const db = await hubDatabaseWithTasks(`hub_${mode}`, count);
  const adminKey = randomBytes(24).toString("hex");
  const hub = await startHub(db.url, adminKey);
  try {
    const keys: string[] = [];
    for (let i = 0; i < WORKERS; i++) {
      const r = await call<{ api_key: string }>(hub.url, adminKey, "/v1/agents/register", {
        name: `bench-${i}`,
      });
      keys.push(r.api_key);
    }
    // Where the kernel keeps the peak (VmHWM), reading it adds no load to the hub; elsewhere,
    // /metrics' RSS, sampled.
    const kernelPeak = () => peakRssMbOf(hub.child.pid);
    let peakRss = (await kernelPeak()) ?? (await hubRssMb(hub.url));
    const sampler =
      (await kernelPeak()) === undefined
        ? setInterval(() => {
            hubRssMb(hub.url)
              .then((r) => {
                peakRss = Math.max(peakRss, r);
              })
              .catch(() => {});
          }, 500)
        : undefined;
    const claimMs: number[] = [];
    let done = 0;
    const cpuBefore = await hubCpuSeconds(hub.url);
    const started = startTiming();
    await Promise.all(
      keys.map(async (key) => {
        let t0 = now();
        let c = await call<Claimed>(hub.url, key, "/v1/tasks/claim", { limit: batched ? BATCH : 1 });
        claimMs.push(now() - t0);
        if (mode === "next") {
          // one request per task: complete it and claim the next in the same round trip
          for (let t = c.tasks[0]; t; ) {
            t0 = now();
            const r = await call<{ next_tasks: Claimed["tasks"] }>(
              hub.url,
              key,
              `/v1/tasks/${t.id}/complete`,
              {
                claim_token: t.claim_token,
                result: { ok: true },
                next: {},
              },
            );
            claimMs.push(now() - t0);
            done += 1;
            t = r.next_tasks[0];
          }
          return;
        }
        for (;;) {
          if (c.tasks.length === 0) return;
          if (batched) {
            // as a batch worker would: only each outcome back, not the 50 tasks again, and the
            // next batch claimed in the same request
            t0 = now();
            const r = await call<{ results: Array<{ ok: boolean }>; next_tasks: Claimed["tasks"] }>(
              hub.url,
              key,
              "/v1/tasks/complete",
              {
                tasks: c.tasks.map((t) => ({ id: t.id, claim_token: t.claim_token, result: { ok: true } })),
                next: { limit: BATCH },
              },
              { prefer: "return=minimal" },
            );
            claimMs.push(now() - t0);
            done += r.results.filter((x) => x.ok).length;
            c = { tasks: r.next_tasks };
            continue;
          }
          for (const t of c.tasks) {
            await call(hub.url, key, `/v1/tasks/${t.id}/complete`, {
              claim_token: t.claim_token,
              result: { ok: true },
            });
            done += 1;
          }
          t0 = now();
          c = await call<Claimed>(hub.url, key, "/v1/tasks/claim", { limit: batched ? BATCH : 1 });
          claimMs.push(now() - t0);
        }
      }),
    );
    const seconds = secondsSince(started);
    const cpu = (await hubCpuSeconds(hub.url)) - cpuBefore;
    const eventsUnpublished = await outboxLength(db.url);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, (await kernelPeak()) ?? (await hubRssMb(hub.url)));
    if (done !== count) throw new Error(`hub completed ${done} of ${count}`);
    return {
      system: {
        one: "hub REST, one task per request (claim, then complete)",
        next: "hub REST, one request per task (complete + claim next)",
        batched: `hub REST, batched (batch complete + claim next ≤${BATCH}, return=minimal)`,
      }[mode],
      count,
      seconds: round(seconds),
      perSecond: Math.round(count / seconds),
      ...latencies(claimMs),
      hubRssMb: peakRss,
      hubCpuUsPerTask: Math.round((cpu * 1e6) / count),
      eventsUnpublished,
    };
  } finally {
    await pools.get(hub.url)?.close();
    pools.delete(hub.url);
    hub.child.kill("SIGTERM");
    await new Promise((r) => hub.child.once("exit", r));
    await db.drop();
  }
}

async function outboxLength(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM unpublished_events");
    return r.rows[0]?.n ?? 0;
  } finally {
    await c.end();
  }
}

// ---------- raw SQL ----------

async function benchRawSql(count: number): Promise<SystemResult> {
  const db = await hubDatabaseWithTasks("raw", count);
  const clients = await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      return c;
    }),
  );
  try {
    const claimMs: number[] = [];
    let done = 0;
    const started = startTiming();
    await Promise.all(
      clients.map(async (c, i) => {
        for (;;) {
          const t0 = now();
          const r = await c.query<{ id: string; claim_token: string }>(
            `UPDATE tasks SET status = 'in_progress', claimed_by = $1, claimed_at = now(),
               lease_expires_at = now() + interval '5 minutes', claim_token = gen_random_uuid(), attempts = attempts + 1
             WHERE id = (SELECT id FROM tasks WHERE status = 'pending' ORDER BY priority DESC, created_at
                         LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING id, claim_token`,
            [`raw-${i}`],
          );
          claimMs.push(now() - t0);
          const t = r.rows[0];
          if (!t) return;
          const u = await c.query(
            `UPDATE tasks SET status = 'completed', result = '{"ok":true}', completed_at = now(), lease_expires_at = NULL
             WHERE id = $1 AND claim_token = $2`,
            [t.id, t.claim_token],
          );
          done += u.rowCount ?? 0;
        }
      }),
    );
    const seconds = secondsSince(started);
    if (done !== count) throw new Error(`raw SQL completed ${done} of ${count}`);
    return {
      system: "raw SQL (SKIP LOCKED claim, then complete)",
      count,
      seconds: round(seconds),
      perSecond: Math.round(count / seconds),
      ...latencies(claimMs),
    };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    await db.drop();
  }
}

// ---------- graphile-worker ----------

async function benchGraphile(count: number): Promise<SystemResult> {
  const db = await freshDatabase("graphile");
  const { makeWorkerUtils, run } = await import("graphile-worker");
  const utils = await makeWorkerUtils({ connectionString: db.url });
  try {
    await utils.migrate();
    for (let i = 0; i < count; i += 5_000) {
      const n = Math.min(5_000, count - i);
      await utils.addJobs(
        Array.from({ length: n }, (_, k) => ({ identifier: "noop", payload: { n: i + k } })),
      );
    }
    let done = 0;
    let finish: () => void = () => {};
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    const started = startTiming();
    const runner = await run({
      connectionString: db.url,
      concurrency: WORKERS,
      noHandleSignals: true,
      pollInterval: 100,
      logger: new (await import("graphile-worker")).Logger(() => () => {}),
      preset: { worker: { localQueue: { size: BATCH }, completeJobBatchDelay: 0 } },
      taskList: {
        noop: async () => {
          done += 1;
          if (done === count) finish();
        },
      },
    });
    await finished;
    // completions are batched: wait until the last ones reached the database
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    for (;;) {
      const r = await c.query<{ n: string }>("SELECT count(*) AS n FROM graphile_worker.jobs");
      if (Number(r.rows[0]?.n) === 0) break;
      await new Promise((res) => setTimeout(res, 5));
    }
    const seconds = secondsSince(started);
    await c.end();
    await runner.stop();
    return {
      system: `graphile-worker (concurrency ${WORKERS}, localQueue ${BATCH}, batched completes)`,
      count,
      seconds: round(seconds),
      perSecond: Math.round(count / seconds),
    };
  } finally {
    await utils.release();
    await db.drop();
  }
}

// ---------- pg-boss ----------

async function benchPgBoss(count: number): Promise<SystemResult> {
  const db = await freshDatabase("pgboss");
  const { default: PgBoss } = await import("pg-boss");
  const boss = new PgBoss({ connectionString: db.url, max: WORKERS + 2, supervise: false, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  try {
    await boss.createQueue("bench");
    for (let i = 0; i < count; i += 5_000) {
      const n = Math.min(5_000, count - i);
      await boss.insert(Array.from({ length: n }, (_, k) => ({ name: "bench", data: { n: i + k } })));
    }
    let done = 0;
    let finish: () => void = () => {};
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    const started = startTiming();
    for (let w = 0; w < WORKERS; w++) {
      await boss.work("bench", { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        done += jobs.length;
        if (done >= count) setImmediate(finish);
      });
    }
    await finished;
    for (;;) {
      const q = await boss.getQueue("bench");
      const left = q
        ? Number((q as { queuedCount?: number }).queuedCount ?? 0) +
          Number((q as { activeCount?: number }).activeCount ?? 0)
        : 0;
      if (left === 0) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    const seconds = secondsSince(started);
    return {
      system: `pg-boss (${WORKERS} workers, batchSize ${BATCH})`,
      count,
      seconds: round(seconds),
      perSecond: Math.round(count / seconds),
    };
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    await db.drop();
  }
}

// ---------- the run ----------

export interface BenchReport {
  count: number;
  results: SystemResult[];
  ratios: { restVsRawSql: number; nextVsRawSql: number; batchedVsGraphile: number; batchedVsPgBoss: number };
}

async function attempt(name: string, f: () => Promise<SystemResult>): Promise<SystemResult | undefined> {
  try {
    return await f();
  } catch (e) {
    console.error(`${name} failed: ${(e as Error).message}`);
    return undefined;
  }
}

export const SYSTEMS = ["raw", "one", "next", "batched", "graphile", "pgboss"] as const;
export type SystemName = (typeof SYSTEMS)[number];

export async function run(
  opts: { count?: number; print?: boolean; only?: readonly SystemName[] } = {},
): Promise<BenchReport> {
  const count = opts.count ?? 20_000;
  const only = new Set(opts.only ?? SYSTEMS);
  // A system left out (to profile one alone) is simply missing from the report.
  const measure = (name: SystemName, label: string, f: () => Promise<SystemResult>) =>
    only.has(name) ? attempt(label, f) : Promise.resolve(undefined);
  const raw = await measure("raw", "raw SQL", () => benchRawSql(count));
  const one = await measure("one", "hub REST", () => benchHub(count, "one"));
  const next = await measure("next", "hub REST complete + next", () => benchHub(count, "next"));
  const batched = await measure("batched", "hub REST batched", () => benchHub(count, "batched"));
  const graphile = await measure("graphile", "graphile-worker", () => benchGraphile(count));
  const boss = await measure("pgboss", "pg-boss", () => benchPgBoss(count));
  const ratio = (a?: SystemResult, b?: SystemResult) =>
    a && b ? round(a.perSecond / b.perSecond) : Number.NaN;
  const report: BenchReport = {
    count,
    results: [raw, one, next, batched, graphile, boss].filter((r): r is SystemResult => r !== undefined),
    ratios: {
      restVsRawSql: ratio(one, raw),
      nextVsRawSql: ratio(next, raw),
      batchedVsGraphile: ratio(batched, graphile),
      batchedVsPgBoss: ratio(batched, boss),
    },
  };
  if (opts.print !== false) print(report);
  return report;
}

function print(r: BenchReport) {
  console.log(`\nclaim + complete of ${r.count} tasks, ${WORKERS} concurrent workers, local Postgres\n`);
  const rows = r.results.map((x) => [
    x.system,
    `${x.perSecond}/s`,
    `${x.seconds}s`,
    x.claimP50Ms === undefined ? "" : `${x.claimP50Ms} / ${x.claimP99Ms} ms`,
    x.hubRssMb === undefined ? "" : `${x.hubRssMb} MB`,
    x.hubCpuUsPerTask === undefined ? "" : `${x.hubCpuUsPerTask} µs`,
    x.eventsUnpublished === undefined ? "" : String(x.eventsUnpublished),
  ]);
  const head = [
    "system",
    "throughput",
    "time",
    "claim p50 / p99",
    "hub RSS (peak)",
    "hub CPU / task",
    "events unpublished at end",
  ];
  printTable(head, rows);
  console.log(`\nhub REST (one per request) / raw SQL:      ${r.ratios.restVsRawSql}  (target ≥ 0.6)`);
  console.log(`hub REST complete + next / raw SQL:       ${r.ratios.nextVsRawSql}  (one request per task)`);
  console.log(`hub REST batched / graphile-worker:        ${r.ratios.batchedVsGraphile}  (target ≥ 1.0)`);
  console.log(`hub REST batched / pg-boss:                ${r.ratios.batchedVsPgBoss}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const count = Number(process.argv[2] ?? 20_000);
  const only = process.argv[3]?.split(",");
  const known = (x: string): x is SystemName => (SYSTEMS as readonly string[]).includes(x);
  if (!Number.isInteger(count) || count < 1 || (only && !only.every(known))) {
    console.error(`usage: tsx bench/core-claim.ts [count] [${SYSTEMS.join(",")}]`);
    process.exit(2);
  }
  await run({ count, ...(only ? { only: only.filter(known) } : {}) });
  process.exit(0);
}
