import type { UsageSummary, UsageTotals } from "../../core/types.ts";
import { barChart } from "../chart.ts";
import { emptyNote } from "../components.ts";
import { usd } from "../format.ts";
import { type Html, html } from "../html.ts";

const row = (name: string, t: UsageTotals) =>
  html`<tr><th scope="row">${name}</th><td>${t.calls}</td><td>${t.totalTokens.toLocaleString("en-US")}</td><td>${usd(t.costUsd)}</td></tr>`;

function table(caption: string, rows: Html[]): Html {
  return html`<table><caption>${caption}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Calls</th><th scope="col">Tokens</th><th scope="col">Cost</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

/** Model usage per UTC day (the day the budget counts) against LLM_DAILY_BUDGET_USD. */
export function costsView(o: { usage: UsageSummary; days: string[]; budget: number | undefined }): Html {
  const byDay = new Map(o.usage.byDay.map((d) => [d.day, d.costUsd]));
  const budget = o.budget && o.budget > 0 ? o.budget : undefined;
  const bars = o.days.map((d) => ({
    label: d.slice(5),
    value: byDay.get(d) ?? 0,
    title: `${d}: ${usd(byDay.get(d) ?? 0)}${budget ? ` of ${usd(budget)}` : ""}`,
  }));
  const today = o.days.at(-1) ?? "";
  const spentToday = byDay.get(today) ?? 0;
  const overDays = budget ? bars.filter((b) => b.value > budget).length : 0;
  return html`<div id="costs-head" class="view-head"><h1>Costs</h1>
<p class="lede">Today ${usd(spentToday)}${budget ? html` of the ${usd(budget)} daily budget` : html` <span class="muted">(no daily budget set: LLM_DAILY_BUDGET_USD)</span>`}.</p></div>
<section id="cost-chart" aria-labelledby="cost-chart-h">
<h2 id="cost-chart-h">Per day, last ${o.days.length} days <span class="muted small">(UTC)</span></h2>
${barChart({
  bars,
  ...(budget ? { limit: budget } : {}),
  label: `Model cost per day for the last ${o.days.length} days, ${usd(o.usage.total.costUsd)} in total${budget ? `; ${overDays} days over the ${usd(budget)} budget` : ""}`,
  format: usd,
})}
<p class="small">${usd(o.usage.total.costUsd)} in ${o.days.length} days · ${o.usage.total.calls} calls${budget && overDays ? html` · <span class="late">${overDays} over budget</span>` : ""}</p>
</section>
<section id="cost-tables" aria-label="Breakdown">
${
  o.usage.total.calls
    ? html`<div class="tables">${table(
        "By agent",
        o.usage.byAgent.map((a) => row(a.agentName ?? "(none)", a)),
      )}${table(
        "By model",
        o.usage.byModel.map((m) => row(m.model, m)),
      )}</div>`
    : emptyNote("No model usage recorded in this period.")
}
</section>`;
}
