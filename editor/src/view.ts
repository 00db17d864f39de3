/**
 * Small pieces of the page the app uses: a preview message drawn as an image, the open graph
 * kept in the address bar, and what the message bar says when a run ends.
 */
import type { RunSummary } from '../../runtime/exec/types.ts';

const previewCanvas = document.createElement('canvas');
/** A preview message's pixels (grey levels, or R, G, B triples) as a PNG data URL. */
export function previewUrl(width: number, height: number, base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  // A grey level per pixel, or R, G, B for a colour frame (runtime/server/preview.ts PreviewImage).
  const rgb = bytes.length === 3 * width * height;
  previewCanvas.width = width;
  previewCanvas.height = height;
  const ctx = previewCanvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    if (rgb) {
      img.data[4 * i] = bytes[3 * i];
      img.data[4 * i + 1] = bytes[3 * i + 1];
      img.data[4 * i + 2] = bytes[3 * i + 2];
    } else {
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = bytes[i];
    }
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return previewCanvas.toDataURL('image/png');
}

/** The open graph in the address bar (?graph=NAME), so a reload or a shared link opens it again. */
export function showInUrl(name: string | undefined): void {
  const url = new URL(location.href);
  if (name) url.searchParams.set('graph', name);
  else url.searchParams.delete('graph');
  history.replaceState(null, '', url);
}

/** The end of a run in one line: its failures whole, and its drops and losses per node, so "finished" never hides them. */
export function endOfRun(summary: RunSummary): { kind: 'info' | 'refused' | 'error'; text: string } {
  const secs = (summary.durationMs / 1000).toFixed(1);
  const drops = Object.entries(summary.stats.nodes)
    .filter(([, n]) => n.dropped > 0)
    .map(([id, n]) => `${id} ${n.dropped}`);
  const dropped = drops.length ? `; frames dropped: ${drops.join(', ')}` : '';
  if (summary.ok) return { kind: drops.length ? 'refused' : 'info', text: `Run finished in ${secs} s${dropped}` };
  const failures = summary.failures.map((f) => `${f.node ? `${f.node}: ` : ''}${f.code}: ${f.message}`).join('; ');
  const lost = summary.lost ? `; ${summary.lost} frames lost` : '';
  return {
    kind: 'error',
    text: `Run ended with exit code ${summary.exitCode} after ${secs} s: ${failures || 'frames lost'}${lost}${dropped}`,
  };
}
