/**
 * Small pieces of the page the app uses: a preview message drawn as an image, and the open
 * graph kept in the address bar.
 */

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
