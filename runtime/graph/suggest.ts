/** Edit distance, case-insensitive: "fft" is one step from "FFT" for a user, not three. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The closest name to `wrong` among `names`, when it is close enough to be a likely typo. */
export function closest(wrong: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of names) {
    const d = distance(wrong, n);
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  const limit = Math.max(2, Math.floor(wrong.length / 3));
  return bestD <= limit ? best : undefined;
}

/** " (did you mean X?)" or "". */
export function didYouMean(wrong: string, names: Iterable<string>): string {
  if (wrong.length > 200) return '';
  const c = closest(wrong, names);
  return c === undefined ? '' : ` (did you mean ${c}?)`;
}
