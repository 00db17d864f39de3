import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // zeromq's native sockets and worker pools behave best in child processes, not worker threads.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two files at a time: most tests wait on sockets, subprocesses and Python, not on a core.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**'],
          // First, on their own: the browser tests come after, one file at a time.
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The editor in real Chromium: the server and the browser start once, in global setup.
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          // One editor server for every file, and a run belongs to the server: a graph one file runs
          // is joined by every other file's open page (its canvas replaced and read-only), so the
          // files take turns.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
