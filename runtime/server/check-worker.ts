/** The checker's worker thread: one job in, one answer out (see checker.ts). */
import { parentPort } from 'node:worker_threads';
import { answer, type CheckJob } from './graph-check.ts';

parentPort!.on('message', (msg: { id: number; job: CheckJob }) => {
  parentPort!.postMessage({ id: msg.id, answer: answer(msg.job) });
});
parentPort!.postMessage({ ready: true });
