import { formatClock } from './format';

export interface HeatmapData {
  bucketSeconds: number;
  views: number[];
}

const MARGIN = { top: 14, right: 14, bottom: 44, left: 48 };

/** A step of 1, 2 or 5 × 10ⁿ so about `target` ticks span 0..max. */
export function niceStep(max: number, target = 4): number {
  const raw = Math.max(max / target, 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
}

/** The bucket under a horizontal position in CSS pixels, or -1 outside the plot. */
export function bucketAt(canvas: HTMLCanvasElement, data: HeatmapData, clientX: number): number {
  const rect = canvas.getBoundingClientRect();
  const x = clientX - rect.left - MARGIN.left;
  const plotW = rect.width - MARGIN.left - MARGIN.right;
  if (x < 0 || x > plotW || data.views.length === 0) return -1;
  return Math.min(data.views.length - 1, Math.floor((x / plotW) * data.views.length));
}

/**
 * Views per time bucket as bars across the recording's timeline, with a labelled y axis (views) and x axis (time).
 * Draws at the device's pixel density; call again when the canvas is resized.
 */
export function drawHeatmap(canvas: HTMLCanvasElement, data: HeatmapData, durationSeconds: number | null, highlight = -1): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const cssWidth = Math.max(canvas.clientWidth, 200);
  const cssHeight = Math.max(canvas.clientHeight, 160);
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(cssWidth * dpr) || canvas.height !== Math.round(cssHeight * dpr)) {
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(cssHeight * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);

  const styles = getComputedStyle(canvas);
  const ink = styles.color || '#1d2330';
  const font = `12px ${styles.fontFamily || 'system-ui, sans-serif'}`;
  const plotW = cssWidth - MARGIN.left - MARGIN.right;
  const plotH = cssHeight - MARGIN.top - MARGIN.bottom;
  const n = data.views.length;
  const max = Math.max(1, ...data.views);
  const step = Math.max(1, Math.round(niceStep(max)));
  const top = Math.ceil(max / step) * step;
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;

  // Grid and y axis labels.
  ctx.font = font;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let v = 0; v <= top; v += step) {
    ctx.strokeStyle = v === 0 ? '#9aa1b2' : '#e6e8f0';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(MARGIN.left, Math.round(y(v)) + 0.5);
    ctx.lineTo(MARGIN.left + plotW, Math.round(y(v)) + 0.5);
    ctx.stroke();
    ctx.fillStyle = ink;
    ctx.fillText(String(v), MARGIN.left - 6, y(v));
  }

  // Bars: taller and darker where more viewers watched.
  const barW = n > 0 ? plotW / n : plotW;
  const gap = barW > 6 ? Math.min(2, barW * 0.15) : 0;
  data.views.forEach((v, i) => {
    if (v <= 0) return;
    const intensity = v / max;
    ctx.fillStyle = i === highlight ? '#f08c00' : `hsl(228 ${55 + 15 * intensity}% ${72 - 30 * intensity}%)`;
    const x = MARGIN.left + i * barW + gap / 2;
    ctx.fillRect(x, y(v), Math.max(1, barW - gap), MARGIN.top + plotH - y(v));
  });
  if (highlight >= 0 && (data.views[highlight] ?? 0) === 0) {
    ctx.fillStyle = 'rgba(240, 140, 0, .25)';
    ctx.fillRect(MARGIN.left + highlight * barW, MARGIN.top, barW, plotH);
  }

  // X axis labels at bucket edges, spaced so they never overlap.
  const total = durationSeconds && durationSeconds > 0 ? durationSeconds : n * data.bucketSeconds;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillStyle = ink;
  const every = Math.max(1, Math.ceil(64 / Math.max(barW, 1)));
  for (let i = 0; i < n; i += every) {
    const x = MARGIN.left + i * barW;
    // The end of the timeline is labelled on its own, right-aligned; nothing may crowd it.
    if (x > MARGIN.left + plotW - 56) break;
    ctx.fillText(formatClock(i * data.bucketSeconds), x, MARGIN.top + plotH + 6);
  }
  ctx.textAlign = 'right';
  ctx.fillText(formatClock(total), MARGIN.left + plotW, MARGIN.top + plotH + 6);

  // Axis titles.
  ctx.fillStyle = '#6b7385';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText('Time in recording', MARGIN.left + plotW / 2, cssHeight - 2);
  ctx.save();
  ctx.translate(12, MARGIN.top + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText('Views', 0, 0);
  ctx.restore();
}
