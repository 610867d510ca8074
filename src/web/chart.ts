import { type Html, html } from "./html.ts";

export interface Bar {
  label: string;
  value: number;
  /** the words a screen reader and the tooltip get */
  title: string;
}

/**
 * A bar chart as inline SVG: bars scaled to the larger of the highest bar and the limit, the
 * limit as a dashed line, bars over it in the warning colour. Sizes are attributes, not
 * styles, so the page's Content-Security-Policy can forbid inline styles.
 */
export function barChart(o: {
  bars: Bar[];
  limit?: number;
  label: string;
  format: (n: number) => string;
  /** drawing height in the 640-wide view box (default 200; a sparkline is lower) */
  height?: number;
  axis?: boolean;
}): Html {
  const W = 640;
  const H = o.height ?? 200;
  const axis = o.axis ?? true;
  const top = axis ? 16 : 2;
  const bottom = axis ? 24 : 2;
  const left = 8;
  const plotH = H - top - bottom;
  const max = Math.max(o.limit ?? 0, ...o.bars.map((b) => b.value), 0.000001);
  const slot = (W - left * 2) / Math.max(1, o.bars.length);
  const barW = Math.max(4, slot * 0.7);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const labelEvery = Math.ceil(o.bars.length / 8);
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${o.label}">
${o.bars.map((b, i) => {
  const x = left + i * slot + (slot - barW) / 2;
  const h = Math.max(b.value > 0 ? 1 : 0, (b.value / max) * plotH);
  const over = o.limit !== undefined && o.limit > 0 && b.value > o.limit;
  return html`<g><title>${b.title}</title><rect class="${over ? "bar over" : "bar"}" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" rx="2"></rect>${
    axis && (i % labelEvery === 0 || i === o.bars.length - 1)
      ? html`<text class="axis" x="${(x + barW / 2).toFixed(1)}" y="${H - 6}" text-anchor="middle">${b.label}</text>`
      : ""
  }</g>`;
})}
<line class="base" x1="${left}" x2="${W - left}" y1="${top + plotH}" y2="${top + plotH}"></line>
${
  o.limit !== undefined && o.limit > 0
    ? html`<line class="limit" x1="${left}" x2="${W - left}" y1="${y(o.limit).toFixed(1)}" y2="${y(o.limit).toFixed(1)}"></line><text class="limit-label" x="${W - left}" y="${(y(o.limit) - 4).toFixed(1)}" text-anchor="end">budget ${o.format(o.limit)}</text>`
    : ""
}
</svg>`;
}
