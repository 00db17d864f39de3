/**
 * Issue 17: a graph placed on two machines, tested as two: two network namespaces joined by a
 * veth pair, each half run with --host in its own. Either start order gives every frame exactly
 * once; a half alone stops on one Ctrl-C; a half that loses the other says so and keeps what it has.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StatsSnapshot } from '../../runtime/exec/types.ts';
import { writeKeyPair } from '../../runtime/keys/cert.ts';
import { missing, pythonHas } from '../helpers/env.ts';
import { killRuns, runCliOn, type CliRun } from '../helpers/cli-run.ts';
import { netnsMissing, twoHosts, type TwoHosts } from '../helpers/netns.ts';
import { readH5 } from '../hdf5/harness.ts';
import { figure, patchbayPlan, scratch } from './harness.ts';

afterAll(killRuns);

const skip = netnsMissing() ?? missing('Debian python3 with h5py', () => pythonHas('h5py'));

/**
 * The two-host graph with its hosts named once: camera -> `via` -> worker -> recorder, `via` by
 * default the camera PC's ventilator (a Push binding tcp://camera-pc:7601).
 */
function graph(
  net: TwoHosts,
  o: { frames: number; fps: number; secure?: boolean; via?: [id: string, node: string] },
): string {
  const [via, node] = o.via ?? [
    'ventilator',
    '{type: Push, host: camera-pc, params: {endpoint: "tcp://camera-pc:7601"}}',
  ];
  const hosts = o.secure
    ? `secure: true
hosts:
  camera-pc: {address: ${net.a.address}, key: keys/camera-pc.key}
  analysis-pc: {address: ${net.b.address}, key: keys/analysis-pc.key}`
    : `hosts:
  camera-pc: ${net.a.address}
  analysis-pc: ${net.b.address}`;
  return `patchbay: 1
name: halves
${hosts}
nodes:
  camera: {type: Camera, host: camera-pc, params: {width: 64, height: 64, fps: ${o.fps}, frames: ${o.frames}}}
  ${via}: ${node}
  worker: {type: FFT, host: analysis-pc}
  recorder: {type: HDF5Sink, host: analysis-pc, params: {file: out.h5, group: run}}
links:
  - camera.out -> ${via}.in
  - ${via}.out -> worker.in
  - worker.out -> recorder.in
`;
}

describe.skipIf(skip)('two hosts in two network namespaces', () => {
  let net: TwoHosts;
  beforeAll(() => {
    net = twoHosts();
    return () => net.remove();
  });

  const seqs = (dir: string): number[] =>
    [...(readH5(join(dir, 'out.h5')).groups.run?.seq ?? [])].sort((x, y) => x - y);
  const everyOnce = (n: number) => Array.from({ length: n }, (_, i) => i);

  test.each(['camera', 'analysis'])('%s half first: every frame exactly once, both halves exit 0', async (first) => {
    const dir = scratch();
    const yaml = graph(net, { frames: 200, fps: 0 });
    const camera = () => runCliOn(net.on(net.a), dir, yaml, 'graph.yaml', '--host', 'camera-pc');
    const analysis = () => runCliOn(net.on(net.b), dir, yaml, 'graph.yaml', '--host', 'analysis-pc');
    let cam, ana;
    if (first === 'camera') {
      cam = camera();
      // It says it is waiting for the worker on the other host, and sends nothing meanwhile.
      const waiting = await cam.stats((s) => s.nodes.ventilator?.waiting !== undefined);
      expect(waiting.nodes.ventilator.waiting).toMatchObject({
        what: 'workers',
        want: 1,
        joined: 0,
        from: ['worker on analysis-pc'],
      });
      expect(waiting.nodes.camera.framesOut).toBe(0);
      ana = analysis();
    } else {
      ana = analysis();
      await ana.stats((s) => s.nodes.worker !== undefined);
      cam = camera();
    }
    const [c, a] = await Promise.all([cam.exit, ana.exit]);
    expect(c.stderr).toBe('');
    expect(a.stderr).toBe('');
    expect([c.code, a.code]).toEqual([0, 0]);
    expect(c.summary!.stats.nodes.camera.dropped).toBe(0);
    expect(seqs(dir)).toEqual(everyOnce(200));
  });

  test('a Publish whose subscriber runs on the other host: camera half first, it waits for the subscription; nothing sent to nobody, every frame stored or counted', async () => {
    const dir = scratch();
    const yaml = graph(net, {
      frames: 100,
      fps: 100,
      via: ['publish', '{type: Publish, host: camera-pc, params: {endpoint: "tcp://camera-pc:7602"}}'],
    });
    const cam = runCliOn(net.on(net.a), dir, yaml, 'graph.yaml', '--host', 'camera-pc');
    const waiting = await cam.stats((st) => st.nodes.publish?.waiting !== undefined);
    expect(waiting.nodes.camera.framesOut).toBe(0);
    const ana = runCliOn(net.on(net.b), dir, yaml, 'graph.yaml', '--host', 'analysis-pc');
    const [c, a] = await Promise.all([cam.exit, ana.exit]);
    expect([c.code, a.code]).toEqual([0, 0]);
    expect(c.summary!.stats.nodes.publish.unheard ?? 0).toBe(0);
    // PUB/SUB may drop at the high-water mark, by design: every frame is stored or counted, none twice.
    const stored = seqs(dir);
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.length + a.summary!.stats.nodes.worker.dropped).toBe(100);
  });

  test('the camera half alone says it waits, drops nothing, and stops on one Ctrl-C within 2 s', async () => {
    const dir = scratch();
    const cam = runCliOn(net.on(net.a), dir, graph(net, { frames: 0, fps: 100 }), 'graph.yaml', '--host', 'camera-pc');
    await cam.stats((s) => s.nodes.ventilator?.waiting !== undefined);
    const t0 = Date.now();
    cam.kill('SIGINT');
    const out = await cam.exit;
    const ms = Date.now() - t0;
    figure(`the camera half alone: stopped ${ms} ms after one Ctrl-C`);
    expect(ms).toBeLessThan(2000);
    expect(out.code).toBe(0);
    expect(out.summary!.stats.nodes.camera.dropped).toBe(0);
    expect(out.summary!.stats.nodes.camera.framesOut).toBe(0);
  });

  test('a half started on the other machine fails at once, naming the host and its address', async () => {
    const dir = scratch();
    const wrong = runCliOn(net.on(net.b), dir, graph(net, { frames: 10, fps: 0 }), 'graph.yaml', '--host', 'camera-pc');
    const out = await wrong.exit;
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('NOT_THIS_HOST');
    expect(out.stderr).toContain(`camera-pc's address ${net.a.address} is not an address of this machine`);
  });

  /** SIGKILLs `victim` mid-run: `survivor` says PEER_LOST within 3 s, then stops on one Ctrl-C within 2 s; its exit. */
  async function killOne(victim: CliRun, survivor: CliRun, what: string): Promise<Awaited<CliRun['exit']>> {
    const killed = Date.now();
    victim.kill('SIGKILL');
    await survivor.stderrLine((l) => l.includes('PEER_LOST'));
    const told = Date.now() - killed;
    figure(`${what} killed: the other half said PEER_LOST after ${told} ms`);
    expect(told).toBeLessThan(3000);
    const t0 = Date.now();
    survivor.kill('SIGINT');
    const out = await survivor.exit;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(out.stderr).not.toContain('FORCED_STOP');
    return out;
  }

  test('the camera half killed mid-run: the analysis half says so within 3 s, keeps what arrived, stops on one Ctrl-C', async () => {
    const dir = scratch();
    const yaml = graph(net, { frames: 0, fps: 200 });
    const ana = runCliOn(net.on(net.b), dir, yaml, 'graph.yaml', '--host', 'analysis-pc');
    await ana.stats((s) => s.nodes.worker !== undefined);
    const cam = runCliOn(net.on(net.a), dir, yaml, 'graph.yaml', '--host', 'camera-pc');
    await ana.stats((s) => s.nodes.recorder.framesIn >= 50);
    const out = await killOne(cam, ana, 'camera half');
    expect(out.code).toBe(1);
    const stored = out.summary!.stats.nodes.recorder.framesStored!;
    expect(stored).toBeGreaterThanOrEqual(50);
    expect(seqs(dir)).toEqual(everyOnce(stored));
  });

  test('the analysis half killed mid-run: the camera half says so within 3 s and stops on one Ctrl-C', async () => {
    const dir = scratch();
    const yaml = graph(net, { frames: 0, fps: 200 });
    const cam = runCliOn(net.on(net.a), dir, yaml, 'graph.yaml', '--host', 'camera-pc');
    await cam.stats((s) => s.nodes.ventilator?.waiting !== undefined);
    const ana = runCliOn(net.on(net.b), dir, yaml, 'graph.yaml', '--host', 'analysis-pc');
    await cam.stats((s) => s.nodes.camera.framesOut >= 50);
    await killOne(ana, cam, 'analysis half');
  });

  test('a Pull bound on the analysis host, the camera dialling it: camera first waits; the analysis half killed, the camera half stops on one Ctrl-C', async () => {
    const dir = scratch();
    const yaml = graph(net, {
      frames: 0,
      fps: 200,
      via: ['sink', '{type: Pull, host: analysis-pc, params: {endpoint: "tcp://analysis-pc:7603"}}'],
    });
    const cam = runCliOn(net.on(net.a), dir, yaml, 'graph.yaml', '--host', 'camera-pc');
    await cam.stats((st) => st.elapsedMs > 1000);
    expect(
      cam.lines
        .filter((l) => l.json.type === 'stats')
        .every((l) => (l.json as { nodes: Record<string, { framesOut: number }> }).nodes.camera.framesOut === 0),
    ).toBe(true);
    const ana = runCliOn(net.on(net.b), dir, yaml, 'graph.yaml', '--host', 'analysis-pc');
    await cam.stats((st) => st.nodes.camera.framesOut >= 50);
    await killOne(ana, cam, 'analysis half (Pull)');
  });

  test('the cable pulled mid-run (no FIN): both halves say PEER_LOST within 8 s (keepalive on the waiting side, a retransmission limit on the sending side); plugged back, frames flow again', async () => {
    const dir = scratch();
    const yaml = graph(net, { frames: 0, fps: 100 });
    const ana = runCliOn(net.on(net.b), dir, yaml, 'graph.yaml', '--host', 'analysis-pc');
    await ana.stats((s) => s.nodes.worker !== undefined);
    const cam = runCliOn(net.on(net.a), dir, yaml, 'graph.yaml', '--host', 'camera-pc');
    await ana.stats((s) => s.nodes.recorder.framesIn >= 20);
    const cut = Date.now();
    net.link(false);
    const said: number[] = [];
    try {
      await Promise.all(
        [ana, cam].map((h) => h.stderrLine((l) => l.includes('PEER_LOST')).then(() => said.push(Date.now() - cut))),
      );
    } finally {
      net.link(true);
    }
    figure(
      `cable pulled: both halves said PEER_LOST, after ${said.join(' and ')} ms (TCP keepalive, retransmission limit)`,
    );
    expect(Math.max(...said)).toBeLessThan(8000);
    // The latest stats line: what had arrived when the cable went back in.
    const latest = ana.lines.filter((l) => l.json.type === 'stats').at(-1)!.json as StatsSnapshot;
    const before = latest.nodes.recorder.framesIn;
    await ana.stats((s) => s.nodes.recorder.framesIn >= before + 20);
    cam.kill('SIGINT');
    ana.kill('SIGINT');
    const [, a] = await Promise.all([cam.exit, ana.exit]);
    expect(a.summary!.stats.nodes.recorder.framesStored).toBeGreaterThanOrEqual(before + 20);
    const stored = seqs(dir);
    expect(new Set(stored).size).toBe(stored.length);
  });

  describe("secure: true (CURVE with the hosts' keys)", () => {
    /**
     * Each machine's folder as an operator sets it up: its own pair (the secret stays), the other's
     * public key copied over. `rogue`: the analysis PC has a pair of its own the graph does not know.
     */
    const machines = async (rogue = false): Promise<{ camera: string; analysis: string }> => {
      const camera = scratch();
      const analysis = scratch();
      for (const d of [camera, analysis]) mkdirSync(join(d, 'keys'));
      await writeKeyPair(join(camera, 'keys/camera-pc'));
      await writeKeyPair(join(analysis, 'keys/analysis-pc'));
      copyFileSync(join(camera, 'keys/camera-pc.key'), join(analysis, 'keys/camera-pc.key'));
      if (rogue) await writeKeyPair(join(camera, 'keys/analysis-pc'));
      else copyFileSync(join(analysis, 'keys/analysis-pc.key'), join(camera, 'keys/analysis-pc.key'));
      return { camera, analysis };
    };

    test('the halves run over CURVE: every frame exactly once, both exit 0; plan shows who holds which key', async () => {
      const dirs = await machines();
      const yaml = graph(net, { frames: 200, fps: 0, secure: true });
      const cam = runCliOn(net.on(net.a), dirs.camera, yaml, 'graph.yaml', '--host', 'camera-pc');
      const ana = runCliOn(net.on(net.b), dirs.analysis, yaml, 'graph.yaml', '--host', 'analysis-pc');
      const [c, a] = await Promise.all([cam.exit, ana.exit]);
      expect(c.stderr + a.stderr).toBe('');
      expect([c.code, a.code]).toEqual([0, 0]);
      expect(seqs(dirs.analysis)).toEqual(everyOnce(200));
      const plan = await patchbayPlan(dirs.camera, yaml);
      expect(plan.stdout).toContain("CURVE server (camera-pc's key)");
      expect(plan.stdout).toContain('CURVE client of camera-pc');
    });

    test('a peer whose key the graph does not name is refused and counted; nothing reaches it', async () => {
      const dirs = await machines(true);
      const yaml = graph(net, { frames: 0, fps: 100, secure: true });
      const cam = runCliOn(net.on(net.a), dirs.camera, yaml, 'graph.yaml', '--host', 'camera-pc');
      const ana = runCliOn(net.on(net.b), dirs.analysis, yaml, 'graph.yaml', '--host', 'analysis-pc');
      const refused = await cam.stats((st) => (st.nodes.ventilator?.refused?.PEER_REFUSED ?? 0) >= 1);
      expect(refused.nodes.ventilator.waiting).toMatchObject({ joined: 0 });
      expect(refused.nodes.camera.framesOut).toBe(0);
      expect(await cam.stderrLine((l) => l.includes('PEER_REFUSED'))).toContain(
        "its key is not one of the graph's hosts",
      );
      // The refused half is told too, with what to check.
      expect(await ana.stderrLine((l) => l.includes('PEER_REFUSED'))).toContain(
        "the server refused this machine's key",
      );
      const t0 = Date.now();
      cam.kill('SIGINT');
      ana.kill('SIGINT');
      const [c, a] = await Promise.all([cam.exit, ana.exit]);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(c.stderr).not.toContain('PEER_LOST');
      expect(c.summary!.stats.nodes.ventilator.framesOut).toBe(0);
      expect(a.summary!.stats.nodes.worker.framesIn).toBe(0);
    });

    test('a half without its secret key says which file it needs', async () => {
      const dir = scratch();
      mkdirSync(join(dir, 'keys'));
      await writeKeyPair(join(dir, 'keys/analysis-pc'));
      const out = await runCliOn(
        net.on(net.a),
        dir,
        graph(net, { frames: 10, fps: 0, secure: true }),
        'graph.yaml',
        '--host',
        'camera-pc',
      ).exit;
      expect(out.code).toBe(1);
      expect(out.stderr).toContain("secure: true: cannot read camera-pc's public key");
    });
  });
});
