import sharp from 'sharp';
import type { Report } from './reports.js';
import { escapeHtml } from '../core/text/html.js';

/** The series the chart draws, straight from the report's weekly figures. */
export interface ChartSeries {
  labels: string[];
  requests: number[];
  decisions: number[];
  /** Average rating per week (1-5), null for a week without answers. */
  satisfaction: (number | null)[];
}

export const CHART_SIZE = { width: 900, height: 420 } as const;

export function chartSeries(report: Report): ChartSeries {
  return {
    labels: report.weeks.map((w) => w.start.toISOString().slice(5, 10)),
    requests: report.weeks.map((w) => w.requests),
    decisions: report.weeks.map((w) => w.decisions),
    satisfaction: report.weeks.map((w) => w.satisfaction),
  };
}

/**
 * The weekly chart as a PNG: requests and decisions per week as bars, the average rating
 * as a line on its own 1-5 scale. Drawn as SVG and rasterised by sharp, already used for
 * documents, so no charting engine or browser is needed on the server.
 */
export async function renderChart(series: ChartSeries, size: { width: number; height: number } = CHART_SIZE): Promise<Buffer> {
  return sharp(Buffer.from(chartSvg(series, size)))
    .png()
    .toBuffer();
}

export function chartSvg(series: ChartSeries, { width, height }: { width: number; height: number }): string {
  const pad = { left: 50, right: 50, top: 40, bottom: 50 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const weeks = Math.max(1, series.labels.length);
  const slot = plotW / weeks;
  const max = Math.max(1, ...series.requests, ...series.decisions);
  const y = (value: number) => pad.top + plotH - (value / max) * plotH;
  const yRating = (value: number) => pad.top + plotH - ((value - 1) / 4) * plotH;
  const bars = series.labels.map((label, i) => {
    const x = pad.left + i * slot;
    const w = Math.max(2, slot * 0.35);
    const r = series.requests[i] ?? 0;
    const d = series.decisions[i] ?? 0;
    return [
      `<rect x="${x + slot * 0.1}" y="${y(r)}" width="${w}" height="${pad.top + plotH - y(r)}" fill="#2f7d5b"/>`,
      `<rect x="${x + slot * 0.1 + w}" y="${y(d)}" width="${w}" height="${pad.top + plotH - y(d)}" fill="#c9a227"/>`,
      `<text x="${x + slot / 2}" y="${height - pad.bottom + 18}" font-size="12" text-anchor="middle" fill="#333">${escapeHtml(label)}</text>`,
    ].join('');
  });
  const points = series.satisfaction
    .map((value, i) => (value === null ? null : `${pad.left + i * slot + slot / 2},${yRating(value)}`))
    .filter((p): p is string => p !== null);
  const line = points.length > 1 ? `<polyline points="${points.join(' ')}" fill="none" stroke="#1f4e9c" stroke-width="3"/>` : '';
  const dots = points.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="4" fill="#1f4e9c"/>`).join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}" stroke="#999"/>`,
    `<text x="${pad.left}" y="24" font-size="14" fill="#2f7d5b">■ requests</text>`,
    `<text x="${pad.left + 110}" y="24" font-size="14" fill="#c9a227">■ decisions</text>`,
    `<text x="${pad.left + 230}" y="24" font-size="14" fill="#1f4e9c">● satisfaction (1-5)</text>`,
    `<text x="${pad.left - 8}" y="${y(max) + 4}" font-size="11" text-anchor="end" fill="#333">${max}</text>`,
    ...bars,
    line,
    dots,
    '</svg>',
  ].join('');
}
