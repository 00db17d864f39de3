/** Large graph documents for bench/validate.ts and the editor's fault tests: valid, and as a user writes them. */

/** Chains of Camera → Push → FFT → HDF5Sink, `n` nodes in all; every node written out, as a user does. */
export function chains(n: number): string {
  const lines = ['patchbay: 1', 'name: big', 'nodes:'];
  const links: string[] = [];
  const layout: string[] = [];
  for (let i = 0; i < n / 4; i++) {
    lines.push(`  camera${i}:`, '    type: Camera', '    params: {frames: 10, width: 64, height: 64}');
    lines.push(`  push${i}:`, '    type: Push', `    params: {endpoint: "inproc://bench-${i}"}`);
    lines.push(`  fft${i}:`, '    type: FFT');
    lines.push(`  sink${i}:`, '    type: HDF5Sink', `    params: {file: out/f${i}.h5}`);
    links.push(`  - camera${i}.out -> push${i}.in`, `  - push${i}.out -> fft${i}.in`, `  - fft${i}.out -> sink${i}.in`);
    layout.push(`  camera${i}: [${i * 10}, 0]`);
  }
  return [...lines, 'links:', ...links, 'layout:', ...layout, ''].join('\n');
}

/** Camera → HDF5Sink pairs whose cameras share their params through `a` aliases (*f, *w). */
export function aliases(a: number): string {
  const lines = ['patchbay: 1', 'name: aliases', 'nodes:'];
  const links: string[] = [];
  for (let i = 0; i <= a / 2; i++) {
    lines.push(
      `  camera${i}:`,
      '    type: Camera',
      i === 0 ? '    params: {frames: &f 10, width: &w 64}' : '    params: {frames: *f, width: *w}',
    );
    lines.push(`  sink${i}:`, '    type: HDF5Sink', `    params: {file: out/f${i}.h5}`);
    links.push(`  - camera${i}.out -> sink${i}.in`);
  }
  return [...lines, 'links:', ...links, ''].join('\n');
}

/**
 * A cycle of Copy nodes through a Pull (it takes many producers), `n` nodes in all with the camera
 * and a recorder, written in the document against the flow (the last Copy first): the shape that
 * made message types take a round per node. Its one error is CYCLE.
 */
export function backwardCycle(n: number): string {
  const copies = n - 3;
  const lines = [
    'patchbay: 1',
    'name: cycle',
    'nodes:',
    '  recorder:',
    '    type: HDF5Sink',
    '    params: {file: out/cycle.h5}',
  ];
  for (let i = copies - 1; i >= 0; i--) lines.push(`  copy${i}:`, '    type: Copy');
  lines.push('  pull:', '    type: Pull', '  camera:', '    type: Camera');
  const links = ['  - camera.out -> pull.in', '  - pull.out -> copy0.in'];
  for (let i = 0; i < copies - 1; i++) links.push(`  - copy${i}.out -> copy${i + 1}.in`);
  links.push(`  - copy${copies - 1}.out -> pull.in`, `  - copy${copies - 1}.out -> recorder.in`);
  return [...lines, 'links:', ...links, ''].join('\n');
}
