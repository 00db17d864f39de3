import * as zmq from 'zeromq';
import { afterEach, describe, expect, test } from 'vitest';
import { encode } from '../../runtime/wire/index.ts';
import { captures, makePlan, numberedFrame, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';

const opened: zmq.Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) if (!s.closed) s.close();
});

describe('stop() in the middle of a run (the Ctrl-C path)', () => {
  test('a Pull fed from outside: every frame the graph received reaches the sink', async () => {
    const ep = await uniqAddress('tcp');
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'pull', type: 'Pull', params: { endpoint: ep } },
        { id: 'copy', type: 'Copy' },
        { id: 'sink', type: 'Capture', params: { delayMs: 1, delayEvery: 10 } },
      ],
      ['pull.out -> copy.in', 'copy.out -> sink.in'],
      [sock('pull', 'PULL', 'bind', ep)],
    );
    const run = runPlan(plan, { capture: cap });
    const push = new zmq.Push({ linger: 0, sendTimeout: 200 });
    opened.push(push);
    push.connect(ep);
    let sending = true;
    const sender = (async () => {
      for (let i = 0; sending; i++) {
        try {
          await push.send(encode(numberedFrame(i, 4096)));
        } catch (e) {
          // The graph stopped listening: EAGAIN after sendTimeout is the expected end here.
          if ((e as { code?: string }).code !== 'EAGAIN') throw e;
        }
      }
    })();
    await cap.of('sink').reached(300);
    run.stop();
    const summary = await run.done;
    sending = false;
    await sender;
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    const got = cap.of('sink').frames;
    const pull = summary.stats.nodes.pull;
    expect(got.length).toBeGreaterThanOrEqual(300);
    expect(pull.framesIn).toBe(got.length);
    expect(pull.framesOut).toBe(got.length);
    expect(got.map((f) => f.seq)).toEqual(got.map((_, i) => i));
    expect(cap.of('sink').ended).toBe(true);
  });

  test('a source stopped mid-run: what it emitted is all at the sink, end of stream flows', async () => {
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 0, bytes: 1024 } },
        { id: 'copy', type: 'Copy', params: { mode: 'deep' } },
        { id: 'sink', type: 'Capture', params: { delayMs: 1, delayEvery: 50 } },
      ],
      ['src.out -> copy.in', 'copy.out -> sink.in'],
    );
    const run = runPlan(plan, { capture: cap });
    await cap.of('sink').reached(500);
    run.stop();
    const summary = await run.done;
    expect(summary.exitCode).toBe(0);
    expect(cap.of('sink').frames.length).toBe(summary.stats.nodes.src.framesOut);
    expect(cap.of('sink').ended).toBe(true);
  });

  test('a second stop() forces the end: FORCED_STOP, exit code 1, no hang', async () => {
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 0, bytes: 16 } },
        // A sink that takes a long time over each frame: draining would take minutes.
        { id: 'sink', type: 'Capture', params: { delayMs: 60_000 } },
      ],
      ['src.out -> sink.in'],
    );
    const run = runPlan(plan, { capture: cap });
    await cap.of('sink').reached(1);
    run.stop();
    run.stop();
    const summary = await run.done;
    expect(summary.exitCode).toBe(1);
    expect(summary.failures.map((f) => f.code)).toContain('FORCED_STOP');
  });

  test('stop() while a publisher still waits for its outside subscriber: the run ends at once, nothing sent', async () => {
    const ep = await uniqAddress('tcp');
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 100 } },
        { id: 'pub', type: 'Publish', params: { endpoint: ep, waitFor: 1 } },
      ],
      ['src.out -> pub.in'],
      [sock('pub', 'PUB', 'bind', ep)],
    );
    const run = runPlan(plan, { statsIntervalMs: 20 });
    // Still starting: the source has not been let go.
    const first = await new Promise<import('../../runtime/exec/types.ts').StatsSnapshot>((resolve) =>
      run.on('stats', resolve),
    );
    expect(first.nodes.src.state).toBe('starting');
    run.stop();
    const summary = await run.done;
    expect(summary.exitCode).toBe(0);
    expect(summary.stats.nodes.src.framesOut).toBe(0);
  });
});
