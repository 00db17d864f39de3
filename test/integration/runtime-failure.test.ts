import { describe, expect, test } from 'vitest';
import { Pull } from 'zeromq';
import type { StageFactory } from '../../runtime/exec/stage.ts';
import type { NodeFailure } from '../../runtime/exec/types.ts';
import { captures, makePlan, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';

const breaksAt10: StageFactory = (io) => ({
  async receive(_port, frame) {
    if (frame.seq === 10) throw Object.assign(new Error('cannot take frame 10'), { code: 'TEST_BROKEN' });
    await io.emit('out', frame);
  },
});

describe('node failures', () => {
  test('an exception in a stage is reported with the node id, the graph stops cleanly, exit code 1', async () => {
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 0, bytes: 64 } },
        { id: 'breaks', type: 'Breaks' },
        { id: 'sink', type: 'Capture' },
      ],
      ['src.out -> breaks.in', 'breaks.out -> sink.in'],
    );
    const run = runPlan(plan, { capture: cap, stages: { Breaks: breaksAt10 } });
    const seen: NodeFailure[] = [];
    run.on('failure', (f) => seen.push(f));
    const summary = await run.done;
    expect(summary.exitCode).toBe(1);
    expect(summary.failures[0]).toMatchObject({ node: 'breaks', code: 'TEST_BROKEN' });
    expect(seen[0]).toMatchObject({ node: 'breaks', code: 'TEST_BROKEN' });
    expect(cap.of('sink').frames.map((f) => f.seq)).toEqual([...Array(10).keys()]);
    // End of stream still reached the sink: it finished.
    expect(cap.of('sink').ended).toBe(true);
    expect(summary.stats.nodes.breaks.state).toBe('failed');
  });

  test('a node type without a stage fails before anything starts: STAGE_MISSING names the node', async () => {
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 5 } },
        { id: 'ghost', type: 'NoSuchType' },
      ],
      ['src.out -> ghost.in'],
    );
    const summary = await runPlan(plan).done;
    expect(summary.exitCode).toBe(1);
    expect(summary.failures).toEqual([expect.objectContaining({ node: 'ghost', code: 'STAGE_MISSING' })]);
  });

  test('a socket that cannot bind (another program holds the port): SOCKET_ERROR names the node', async () => {
    const holder = new Pull();
    const at = await uniqAddress('tcp');
    await holder.bind(at);
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 5 } },
        { id: 'push', type: 'Push', params: { endpoint: at } },
      ],
      ['src.out -> push.in'],
      [sock('push', 'PUSH', 'bind', at)],
    );
    const summary = await runPlan(plan).done;
    holder.close();
    expect(summary.exitCode).toBe(1);
    expect(summary.failures).toEqual([expect.objectContaining({ node: 'push', code: 'SOCKET_ERROR' })]);
  });

  test('a host name that does not resolve: NOT_THIS_HOST says so, before anything opens', async () => {
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 5 } },
        { id: 'push', type: 'Push', params: { endpoint: 'tcp://camera.invalid:5999' } },
      ],
      ['src.out -> push.in'],
      [sock('push', 'PUSH', 'bind', 'tcp://camera.invalid:5999')],
    );
    const summary = await runPlan(plan).done;
    expect(summary.exitCode).toBe(1);
    expect(summary.failures).toEqual([
      expect.objectContaining({
        node: 'push',
        code: 'NOT_THIS_HOST',
        message: expect.stringContaining('camera.invalid does not resolve'),
      }),
    ]);
  });

  test('an address this machine does not have: NOT_THIS_HOST, before anything opens', async () => {
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 5 } },
        { id: 'push', type: 'Push', params: { endpoint: 'tcp://192.0.2.1:5999' } },
      ],
      ['src.out -> push.in'],
      [sock('push', 'PUSH', 'bind', 'tcp://192.0.2.1:5999')],
    );
    const summary = await runPlan(plan).done;
    expect(summary.exitCode).toBe(1);
    expect(summary.failures).toEqual([
      expect.objectContaining({
        node: 'push',
        code: 'NOT_THIS_HOST',
        message: expect.stringContaining('192.0.2.1 is not an address of this machine'),
      }),
    ]);
  });
});
