/**
 * Hand-written SVG charts: grouped bars on a linear or log axis, with the target drawn as a
 * dashed red line over the bars it applies to. No dependencies; one small file per benchmark.
 */
import { fmt } from './report';
import { escapeMarkup } from '../../src/util/markup';

export const COLORS = {
  ours: '#1f6feb',
  ours2: '#79a9f5',
  baseline: '#8c959f',
  other: '#bf8700',
  target: '#cf222e',
  ok: '#1a7f37',
  grid: '#d0d7de',
  text: '#1f2328',
  muted: '#59636e',
};

export interface Bar {
  label: string;
  value: number;
  color: string;
  /** Printed under the value (e.g. "×1.4"). */
  note?: string;
}

export interface Group {
  label: string;
  bars: Bar[];
  /** Target over this group's bars: `>=` bars must reach it, `<=` stay under it. */
  target?: { value: number; op: '>=' | '<='; label: string };
}

export interface Panel {
  title: string;
  yLabel: string;
  groups: Group[];
  log?: boolean;
  /** Extra horizontal reference lines over the whole panel (grey, dotted). */
  refs?: Array<{ value: number; label: string }>;
  xLabel?: string;
}

export interface Chart {
  title: string;
  subtitle: string;
  panels: Panel[];
  legend: Array<{ label: string; color: string }>;
  footnote?: string;
  width?: number;
  panelHeight?: number;
}

const esc = escapeMarkup;
const n2 = (x: number) => (Math.round(x * 10) / 10).toString();

function text(
  x: number,
  y: number,
  s: string,
  opts: { size?: number; anchor?: 'start' | 'middle' | 'end'; color?: string; weight?: string; rotate?: number; halo?: boolean } = {},
): string {
  const rot = opts.rotate ? ` transform="rotate(${opts.rotate} ${n2(x)} ${n2(y)})"` : '';
  // A white outline keeps labels readable where they cross bars or lines.
  const halo = opts.halo ? ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"' : '';
  return `<text x="${n2(x)}" y="${n2(y)}" font-size="${opts.size ?? 11}" text-anchor="${opts.anchor ?? 'start'}" fill="${opts.color ?? COLORS.text}"${opts.weight ? ` font-weight="${opts.weight}"` : ''}${halo}${rot}>${esc(s)}</text>`;
}

/** Axis ticks: 1,000 / 100 / 10 / 1 / 0.1, no trailing zeros. */
function tickLabel(t: number): string {
  if (t >= 1000) return Math.round(t).toLocaleString('en-US');
  return String(Number(t.toPrecision(3)));
}

function niceMax(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function panelSvg(p: Panel, x0: number, y0: number, w: number, h: number): string {
  const left = 62;
  const right = 12;
  const top = 22;
  const bottom = p.xLabel ? 48 : 34;
  const plotW = w - left - right;
  const plotH = h - top - bottom;
  const values = p.groups.flatMap((g) => [...g.bars.map((b) => b.value), ...(g.target ? [g.target.value] : [])]).concat((p.refs ?? []).map((r) => r.value));
  const positive = values.filter((v) => v > 0);
  let yOf: (v: number) => number;
  const ticks: number[] = [];
  if (p.log) {
    const lo = 10 ** Math.floor(Math.log10(Math.min(...positive)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...positive) * 1.15));
    const span = Math.log10(hi) - Math.log10(lo);
    yOf = (v) => top + plotH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * plotH;
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
  } else {
    const hi = niceMax(Math.max(...values, 0) * 1.12);
    yOf = (v) => top + plotH - (Math.max(0, v) / hi) * plotH;
    for (let i = 0; i <= 4; i++) ticks.push((hi * i) / 4);
  }
  const out: string[] = [`<g transform="translate(${x0},${y0})">`];
  out.push(text(left, 14, p.title, { size: 12, weight: 'bold' }));
  for (const t of ticks) {
    const y = yOf(t);
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${n2(y)}" y2="${n2(y)}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    out.push(text(left - 5, y + 4, tickLabel(t), { anchor: 'end', size: 10, color: COLORS.muted }));
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="${COLORS.muted}"/>`);
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="${COLORS.muted}"/>`);
  out.push(text(14, top + plotH / 2, p.yLabel + (p.log ? ' (log)' : ''), { anchor: 'middle', size: 11, color: COLORS.muted, rotate: -90 }));
  const groupW = plotW / p.groups.length;
  p.groups.forEach((g, gi) => {
    const gx = left + gi * groupW;
    const pad = Math.min(16, groupW * 0.12);
    const barW = Math.min(44, (groupW - 2 * pad) / g.bars.length);
    const startX = gx + (groupW - barW * g.bars.length) / 2;
    g.bars.forEach((b, bi) => {
      const x = startX + bi * barW;
      const y = yOf(b.value);
      const bh = top + plotH - y;
      out.push(
        `<rect x="${n2(x + 1)}" y="${n2(y)}" width="${n2(barW - 2)}" height="${n2(Math.max(0.5, bh))}" fill="${b.color}"><title>${esc(`${b.label}: ${fmt(b.value)}`)}</title></rect>`,
      );
      out.push(text(x + barW / 2, y - (b.note ? 14 : 3), fmt(b.value), { anchor: 'middle', size: 9.5, halo: true }));
      if (b.note) out.push(text(x + barW / 2, y - 3, b.note, { anchor: 'middle', size: 9, color: COLORS.muted, halo: true }));
    });
    if (g.target) {
      const ty = yOf(g.target.value);
      const x1 = startX - 4;
      const x2 = startX + barW * g.bars.length + 4;
      out.push(`<line x1="${n2(x1)}" x2="${n2(x2)}" y1="${n2(ty)}" y2="${n2(ty)}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="5,3"/>`);
      out.push(text(x2, ty + 11, g.target.label, { anchor: 'end', size: 9.5, color: COLORS.target, weight: 'bold', halo: true }));
    }
    out.push(text(gx + groupW / 2, top + plotH + 15, g.label, { anchor: 'middle', size: 11 }));
  });
  for (const r of p.refs ?? []) {
    const y = yOf(r.value);
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${n2(y)}" y2="${n2(y)}" stroke="${COLORS.muted}" stroke-width="1" stroke-dasharray="2,3"/>`);
    out.push(text(left + 4, y - 3, r.label, { size: 9.5, color: COLORS.muted, halo: true }));
  }
  if (p.xLabel) out.push(text(left + plotW / 2, top + plotH + 34, p.xLabel, { anchor: 'middle', size: 11, color: COLORS.muted }));
  out.push('</g>');
  return out.join('\n');
}

/** One SVG document: title, subtitle, panels side by side, legend, footnote. */
export function chart(c: Chart): string {
  const width = c.width ?? 760;
  const panelH = c.panelHeight ?? 280;
  const head = 46;
  const legendH = 22;
  const footH = c.footnote ? 18 : 4;
  const height = head + panelH + legendH + footH;
  const pw = width / c.panels.length;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(12, 20, c.title, { size: 15, weight: 'bold' }),
    text(12, 37, c.subtitle, { size: 10.5, color: COLORS.muted }),
  ];
  c.panels.forEach((p, i) => parts.push(panelSvg(p, i * pw, head, pw, panelH)));
  let lx = 14;
  const ly = head + panelH + 12;
  for (const l of [...c.legend, { label: 'target', color: COLORS.target }]) {
    if (l.label === 'target')
      parts.push(`<line x1="${lx}" x2="${lx + 16}" y1="${ly - 4}" y2="${ly - 4}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="5,3"/>`);
    else parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${l.color}"/>`);
    parts.push(text(lx + 20, ly, l.label, { size: 11 }));
    lx += 20 + l.label.length * 6.2 + 18;
  }
  if (c.footnote) parts.push(text(12, height - 6, c.footnote, { size: 10, color: COLORS.muted }));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
