import { describe, expect, test } from 'vitest';
import { captures, makePlan, runPlan, sock, uniqAddress, type Transport } from '../helpers/run-harness.ts';

const reqRep = (ep: string, source: Record<string, unknown>, request: Record<string, unknown>) =>
  makePlan(
    [
      { id: 'src', type: 'TestSource', params: source },
      { id: 'reply', type: 'Reply', params: { endpoint: ep } },
      { id: 'request', type: 'Request', params: { endpoint: ep, ...request } },
      { id: 'sink', type: 'Capture' },
    ],
    ['src.out -> reply.in', 'request.out -> sink.in'],
    [sock('reply', 'REP', 'bind', ep, { hwm: 1 }), sock('request', 'REQ', 'connect', ep, { hwm: 1 })],
  );

describe.each<Transport>(['tcp', 'inproc'])('Request asks a Reply node over %s', (proto) => {
  test('`frames` replies, each the latest frame, never the same frame twice', async () => {
    const ep = await uniqAddress(proto);
    const cap = captures();
    const summary = await runPlan(reqRep(ep, { frames: 60, intervalMs: 2 }, { rate: 500, frames: 5 }), { capture: cap })
      .done;
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    const seqs = cap.of('sink').frames.map((f) => f.seq);
    expect(seqs).toHaveLength(5);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
    expect(summary.stats.nodes.reply.framesOut).toBe(5);
  });

  test('the Reply answers end of stream once its input has ended; the Request then ends', async () => {
    const ep = await uniqAddress(proto);
    const cap = captures();
    const summary = await runPlan(reqRep(ep, { frames: 10, intervalMs: 5 }, { rate: 1000, frames: 0 }), {
      capture: cap,
    }).done;
    expect(summary.exitCode).toBe(0);
    const seqs = cap.of('sink').frames.map((f) => f.seq);
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs.length).toBeLessThanOrEqual(10);
    expect(seqs.at(-1)).toBe(9);
    expect(cap.of('sink').ended).toBe(true);
  });
});

test('a Request with no server fails with REQUEST_TIMEOUT and the run ends with exit code 1', async () => {
  const ep = await uniqAddress('tcp');
  const plan = makePlan(
    [
      { id: 'request', type: 'Request', params: { endpoint: ep, timeoutMs: 200, rate: 100 } },
      { id: 'sink', type: 'Capture' },
    ],
    ['request.out -> sink.in'],
    [sock('request', 'REQ', 'connect', ep, { hwm: 1 })],
  );
  const summary = await runPlan(plan).done;
  expect(summary.exitCode).toBe(1);
  expect(summary.failures).toHaveLength(1);
  expect(summary.failures[0]).toMatchObject({ node: 'request', code: 'REQUEST_TIMEOUT' });
});
