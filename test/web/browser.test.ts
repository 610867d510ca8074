import { existsSync, mkdirSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordModelUsage } from "../../src/core/index.ts";
import { startWebHub, type WebHub } from "./harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = "test-results/screenshots";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let hub: WebHub;
let browser: Browser;
let agentKey: string;
const contexts: BrowserContext[] = [];

async function newPage(opts: { phone?: boolean; dark?: boolean } = {}): Promise<Page> {
  const ctx = await browser.newContext({
    viewport: opts.phone ? PHONE : DESKTOP,
    colorScheme: opts.dark ? "dark" : "light",
    ...(opts.phone ? { isMobile: true, hasTouch: true } : {}),
  });
  contexts.push(ctx);
  return ctx.newPage();
}

/** Signs a fresh browser context in through a one-time link, the way the owner does. */
async function signedIn(opts: { phone?: boolean; dark?: boolean } = {}): Promise<Page> {
  const page = await newPage(opts);
  const link = await hub.loginLink();
  await page.goto(link.url);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${hub.url}/`);
  await page.locator("#live[data-state=on]").waitFor({ timeout: 10_000 });
  return page;
}

/** An agent's own REST calls: create a task for itself, claim it, and ask a question on it. */
async function agentAsks(title: string, question: string): Promise<number> {
  const c = await hub.api("POST", "/v1/tasks", { title, assigned_to: "scout", priority: "high" }, agentKey);
  expect(c.status).toBe(201);
  const n = c.body.task.number as number;
  const claim = await hub.api("POST", `/v1/tasks/${n}/claim`, {}, agentKey);
  expect(claim.status).toBe(200);
  const q = await hub.api(
    "POST",
    `/v1/tasks/${n}/updates`,
    { update_type: "question", message: question, claim_token: claim.body.task.claim_token },
    agentKey,
  );
  expect(q.status).toBe(201);
  return n;
}

async function agentFails(title: string, error: string): Promise<number> {
  const c = await hub.api("POST", "/v1/tasks", { title, assigned_to: "scout" }, agentKey);
  const n = c.body.task.number as number;
  const claim = await hub.api("POST", `/v1/tasks/${n}/claim`, {}, agentKey);
  const f = await hub.api(
    "POST",
    `/v1/tasks/${n}/fail`,
    { error, claim_token: claim.body.task.claim_token },
    agentKey,
  );
  expect(f.status).toBe(200);
  return n;
}

const status = async (n: number) => (await hub.api("GET", `/v1/tasks/${n}`)).body.task.status as string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need Chromium (.ci/run installs it: apt-get install -y chromium)`,
    );
  }
  mkdirSync(SHOTS, { recursive: true });
  hub = await startWebHub();
  agentKey = await hub.agent("scout");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await hub?.close();
});

describe("the dashboard in a real browser", () => {
  it("signs in with a one-time link and sets a strict, httpOnly session cookie", async () => {
    const page = await newPage();
    const link = await hub.loginLink();
    await page.goto(link.url);
    await expect(page.locator("#code").inputValue()).resolves.toBe(link.code);
    await page.screenshot({ path: `${SHOTS}/login-desktop-light.png` });
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${hub.url}/`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Now");
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: "aoh_session", httpOnly: true, sameSite: "Strict", secure: false });
  });

  it("a used or expired code does not sign in", async () => {
    const page = await newPage();
    const link = await hub.loginLink();
    const first = await newPage();
    await first.goto(link.url);
    await first.getByRole("button", { name: "Sign in" }).click();
    await first.waitForURL(`${hub.url}/`);

    await page.goto(link.url);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/wrong, already used, or expired/);
    expect(await page.context().cookies()).toEqual([]);

    const old = await hub.loginLink();
    await hub.db.sql.query("UPDATE web_login_codes SET expires_at = now() - interval '1 second'");
    await page.goto(old.url);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/expired/);
    expect(await page.context().cookies()).toEqual([]);
  });

  it("without a session a page sends the browser to sign-in", async () => {
    const page = await newPage({ phone: true, dark: true });
    await page.goto(`${hub.url}/web/tasks`);
    expect(new URL(page.url()).pathname).toBe("/web/login");
    expect(new URL(page.url()).searchParams.get("next")).toBe("/web/tasks");
    await page.screenshot({ path: `${SHOTS}/login-phone-dark.png` });
  });

  it("stays live while events never pause: busy agents do not freeze the page", async () => {
    const page = await signedIn();
    // An agent reporting progress every 20 ms: the stream never goes quiet for long.
    const c = await hub.api(
      "POST",
      "/v1/tasks",
      { title: "Crawl the archive", assigned_to: "scout" },
      agentKey,
    );
    const busy = c.body.task.number as number;
    const claim = await hub.api("POST", `/v1/tasks/${busy}/claim`, {}, agentKey);
    let streaming = true;
    const stream = (async () => {
      for (let i = 0; streaming; i++) {
        await hub.api(
          "POST",
          `/v1/tasks/${busy}/updates`,
          { update_type: "progress", message: `page ${i}`, claim_token: claim.body.task.claim_token },
          agentKey,
        );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const n = await agentFails("Index the archive", "The index is full");
      await page.locator(`#s-${n}`).waitFor({ timeout: 10_000 });
    } finally {
      streaming = false;
      await stream;
    }
  });

  it("shows an agent's question live, and the answer unblocks the task", async () => {
    const page = await signedIn();
    // Set in this document: a reload would lose it.
    await page.evaluate(() => {
      (window as unknown as { stayed: boolean }).stayed = true;
    });
    const n = await agentAsks("Choose the payment provider", "Stripe or Paddle for the EU launch?");
    const card = page.locator(`#q-${n}`);
    await card.waitFor({ timeout: 10_000 });
    await expect(card.locator("blockquote").textContent()).resolves.toBe(
      "Stripe or Paddle for the EU launch?",
    );
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(await status(n)).toBe("blocked");

    await page.getByLabel("Your answer").fill("Stripe, we already have an account");
    await card.getByRole("button", { name: `Send answer: task ${n}` }).click();
    await card.waitFor({ state: "detached", timeout: 10_000 });
    await page.locator("#chat-log .cos").last().waitFor();
    expect(await status(n)).toBe("in_progress");
    const updates = await hub.api("GET", `/v1/tasks/${n}/updates`, undefined, agentKey);
    expect(JSON.stringify(updates.body)).toContain("Stripe, we already have an account");
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  });

  it("cancel asks first; No leaves the task, Yes cancels it", async () => {
    const page = await signedIn();
    const n = await agentFails("Import the old invoices", "The CSV has no header row");
    const card = page.locator(`#s-${n}`);
    await card.waitFor({ timeout: 10_000 });

    await card.getByRole("button", { name: `Cancel…: task ${n}` }).click();
    const ask = page.locator("#chat-log .cos").last();
    await ask.getByRole("button", { name: "No" }).waitFor();
    await expect(ask.locator("p").textContent()).resolves.toMatch(new RegExp(`Cancel task ${n}`));
    // The question has focus: Enter on the keyboard answers it.
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Yes");
    expect(await status(n)).toBe("failed");
    await ask.getByRole("button", { name: "No" }).click();
    await page.locator("#chat-log .cos").nth(1).waitFor();
    expect(await status(n)).toBe("failed");

    await card.getByRole("button", { name: `Cancel…: task ${n}` }).click();
    const again = page.locator("#chat-log .cos").last();
    await again.getByRole("button", { name: "Yes" }).waitFor();
    await page.keyboard.press("Enter");
    await card.waitFor({ state: "detached", timeout: 10_000 });
    expect(await status(n)).toBe("cancelled");
  });

  it("retries a failed task with one click, and the chat box talks to the Chief of Staff", async () => {
    const page = await signedIn({ phone: true });
    const n = await agentFails("Resize the hero images", "Out of disk space");
    const card = page.locator(`#s-${n}`);
    await card.waitFor({ timeout: 10_000 });
    await card.getByRole("button", { name: `Retry: task ${n}` }).click();
    await card.waitFor({ state: "detached", timeout: 10_000 });
    expect(await status(n)).toBe("pending");

    await page.getByLabel("Message to the Chief of Staff").fill("add a task to call the bank");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.locator("#chat-log .cos", { hasText: /I've added task \d+, 'call the bank'/ }).waitFor();
    await expect(page.locator("#chat-log .you").last().textContent()).resolves.toBe(
      "add a task to call the bank",
    );
  });

  it("renders every view at phone and desktop width, in light and dark", async () => {
    // Something to look at on each view.
    await hub.api("POST", "/v1/projects", { name: "Website", priority: "high" });
    for (const [title, due] of [
      ["Write the launch post", 1],
      ["Renew the domain", 2],
    ] as const) {
      await hub.api("POST", "/v1/tasks", {
        title,
        project: "Website",
        due_at: new Date(Date.now() + due * 86_400_000).toISOString(),
      });
    }
    const done = await hub.api("POST", "/v1/tasks", {
      title: "Set up analytics",
      project: "Website",
      assigned_to: "scout",
    });
    const claim = await hub.api("POST", `/v1/tasks/${done.body.task.number}/claim`, {}, agentKey);
    await hub.api(
      "POST",
      `/v1/tasks/${done.body.task.number}/complete`,
      { result: "Plausible is live", claim_token: claim.body.task.claim_token },
      agentKey,
    );
    await agentAsks("Pick the hero photo", "The team photo or the product shot?");
    for (let d = 0; d < 14; d++) {
      await recordModelUsage(
        hub.db.sql,
        {
          agentName: d % 2 ? "scout" : "cos",
          model: d % 3 ? "gpt-4o-mini" : "claude-sonnet",
          promptTokens: 1000 * d,
          completionTokens: 200 * d,
          costUsd: 0.6 * ((d * 7) % 11),
        },
        { actor: { kind: "system", name: "test" }, now: new Date(Date.now() - d * 86_400_000) },
      );
    }

    const views = [
      ["now", "/"],
      ["projects", "/web/projects"],
      ["tasks", "/web/tasks?status=all"],
      ["task", `/web/tasks/${done.body.task.number}`],
      ["agents", "/web/agents"],
      ["costs", "/web/costs"],
      ["sessions", "/web/sessions"],
    ] as const;
    for (const look of [
      { phone: false, dark: false, name: "desktop-light" },
      { phone: true, dark: true, name: "phone-dark" },
      { phone: true, dark: false, name: "phone-light" },
      { phone: false, dark: true, name: "desktop-dark" },
    ]) {
      const page = await signedIn(look);
      for (const [name, path] of views) {
        await page.goto(`${hub.url}${path}`);
        await page.locator("main h1").waitFor();
        // A phone shows the first screen as the person sees it; a desktop the whole page.
        await page.screenshot({ path: `${SHOTS}/${name}-${look.name}.png`, fullPage: !look.phone });
      }
    }
    const page = await signedIn();
    await page.goto(`${hub.url}/web/costs`);
    expect(await page.locator("svg.chart rect.bar").count()).toBe(14);
    await page.goto(`${hub.url}/web/projects`);
    await expect(page.getByRole("progressbar", { name: /Website/ }).getAttribute("value")).resolves.toBe(
      "33",
    );
  }, 90_000);

  it("works with the keyboard: a skip link, then every control in order", async () => {
    const page = await signedIn();
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Skip to content");
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toMatch(/^Now/);
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    expect(outline).toBe("solid");
  });
});
