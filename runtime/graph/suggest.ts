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
  return nearest(wrong, names, 1)[0];
}

/** Up to `count` names close enough to `wrong` to be a likely typo, closest first (ties in the given order). */
export function nearest(wrong: string, names: Iterable<string>, count: number): string[] {
  const limit = Math.max(2, Math.floor(wrong.length / 3));
  const near: { n: string; d: number }[] = [];
  for (const n of names) {
    const d = distance(wrong, n);
    if (d > limit) continue;
    let i = near.length;
    while (i > 0 && near[i - 1].d > d) i--;
    if (i < count) near.splice(i, 0, { n, d });
    if (near.length > count) near.pop();
  }
  return near.map((x) => x.n);
}

/** " (did you mean X?)" or "". */
export function didYouMean(wrong: string, names: Iterable<string>): string {
  if (wrong.length > 200) return '';
  const c = closest(wrong, names);
  return c === undefined ? '' : ` (did you mean ${c}?)`;
}
