/**
 * Hosts named once (issue 17): the graph's `hosts:` map read and checked, endpoints written with
 * a host name resolved from it, a node placed on a host the map lacks refused with a suggestion,
 * the map kept by a save, and `plan --host NAME` showing that host's part.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileGraph, formatPlan, hostPart } from '../../runtime/compile/index.ts';
import { loadGraph, serializeGraph } from '../../runtime/graph/index.ts';
import { cli } from '../helpers/cli-main.ts';

const TWO = readFileSync(new URL('../../graphs/two-hosts.yaml', import.meta.url), 'utf8');

/** The two-host graph with another hosts: block and ventilator endpoint. */
const placed = (hosts: string, endpoint = 'tcp://camera-pc:7601', extra = '') => `patchbay: 1
name: t
${hosts}${extra}
nodes:
  camera: {type: Camera, host: camera-pc, params: {frames: 3}}
  ventilator: {type: Push, host: camera-pc, params: {endpoint: "${endpoint}"}}
  worker: {type: FFT, host: analysis-pc}
  recorder: {type: HDF5Sink, host: analysis-pc, params: {file: out.h5}}
links:
  - camera.out -> ventilator.in
  - ventilator.out -> worker.in
  - worker.out -> recorder.in
`;
const MAP = 'hosts:\n  camera-pc: 10.0.0.5\n  analysis-pc: {address: analysis.lab.example, key: keys/analysis-pc.key}';
const errors = (text: string) => loadGraph(text).errors.map((e) => `${e.line}:${e.col} ${e.code} ${e.message}`);

describe('the hosts: map', () => {
  it('resolves an endpoint written with a host name to its address, on both ends, and keeps the name for the plan', () => {
    const r = loadGraph(placed(MAP));
    expect(r.errors).toEqual([]);
    const plan = compileGraph(r.graph!, r.analysis);
    expect(plan.sockets.map((s) => [s.node, s.side, s.endpoint, s.hostName])).toEqual([
      ['ventilator', 'bind', 'tcp://10.0.0.5:7601', 'camera-pc'],
      ['worker', 'connect', 'tcp://10.0.0.5:7601', 'camera-pc'],
    ]);
    expect(plan.hosts).toEqual({
      'camera-pc': { address: '10.0.0.5' },
      'analysis-pc': { address: 'analysis.lab.example', key: 'keys/analysis-pc.key' },
    });
    expect(formatPlan(plan)).toContain('camera-pc (10.0.0.5): camera, ventilator');
    expect(formatPlan(plan)).toContain('tcp://10.0.0.5:7601 (camera-pc)');
  });

  it('an IPv6 address goes into the endpoint in brackets', () => {
    const r = loadGraph(placed('hosts:\n  camera-pc: "fd00::5"\n  analysis-pc: "fd00::6"'));
    expect(r.errors).toEqual([]);
    expect(compileGraph(r.graph!, r.analysis).sockets[0].endpoint).toBe('tcp://[fd00::5]:7601');
  });

  it("refuses, each at its line: a node on a host the map lacks (with a suggestion), a binder at another host's address, bad entries", () => {
    expect(errors(placed('hosts:\n  camera-pc: 10.0.0.5\n  analysis: 10.0.0.6'))).toEqual([
      "9:29 UNKNOWN_HOST node worker: host analysis-pc is not in the graph's hosts: map (did you mean analysis?); its hosts: camera-pc, analysis",
      "10:36 UNKNOWN_HOST node recorder: host analysis-pc is not in the graph's hosts: map (did you mean analysis?); its hosts: camera-pc, analysis",
    ]);
    expect(errors(placed(MAP, 'tcp://analysis-pc:7601'))).toEqual([
      "8:64 BAD_ENDPOINT node ventilator runs on camera-pc but binds analysis-pc's address (tcp://analysis-pc:7601): a socket binds on its own machine; write tcp://camera-pc:7601",
    ]);
    expect(
      errors(
        placed(
          'hosts:\n  camera-pc: "*"\n  analysis-pc: [1, 2]\n  bad_name!: 10.0.0.7\n  x: {address: 10.0.0.8, keys: k}',
        ),
      ),
    ).toEqual([
      "4:14 BAD_DOCUMENT host camera-pc: * is no machine's address; write the address other hosts reach camera-pc at",
      '5:16 BAD_DOCUMENT host analysis-pc: expected an address (camera-pc: 10.0.0.5) or a map with address and key, received a list of 2',
      "6:3 BAD_DOCUMENT host \"bad_name!\": a host name is letters, digits, '.', '-' and '_'",
      '7:6 UNKNOWN_KEY host x: unknown key keys (did you mean key?): a host has address, key',
    ]);
    expect(errors(placed('hosts: [a, b]'))[0]).toBe(
      '3:8 BAD_DOCUMENT hosts must be a map from host name to address, received a list of 2',
    );
  });

  it('secure: true needs a key for every host that runs nodes', () => {
    expect(errors(placed(MAP, undefined, '\nsecure: true'))).toEqual([
      '4:14 BAD_DOCUMENT host camera-pc: secure: true needs its public key (key: camera-pc.key; patchbay keys camera-pc writes the pair)',
    ]);
    expect(errors(placed('', undefined, 'secure: yes'))).toEqual([
      '3:9 BAD_DOCUMENT secure must be true or false, received "yes"',
    ]);
  });

  it('a save keeps the map and secure, and a map added later goes above the nodes', () => {
    const r = loadGraph(TWO);
    expect(serializeGraph(r.graph!, TWO)).toBe(TWO);
    const bare = TWO.replace(/(#.*\n)*hosts:\n(  .*\n)+/, '');
    const g = loadGraph(bare).graph!;
    const out = serializeGraph(
      { ...g, hosts: { 'camera-pc': '10.0.0.5', 'analysis-pc': { address: '10.0.0.6', key: 'a.key' } }, secure: true },
      bare,
    );
    expect(out).toMatch(
      /hosts:\n {2}camera-pc: 10\.0\.0\.5\n {2}analysis-pc:\n {4}address: 10\.0\.0\.6\n {4}key: a\.key\nsecure: true\nnodes:/,
    );
    expect(loadGraph(out).graph!.hosts).toEqual({
      'camera-pc': '10.0.0.5',
      'analysis-pc': { address: '10.0.0.6', key: 'a.key' },
    });
  });
});

describe('plan --host', () => {
  it("shows one host's part: its nodes, sockets, pools and start order, and where its cross-host links lead", async () => {
    const r = loadGraph(TWO);
    const part = hostPart(compileGraph(r.graph!, r.analysis), 'analysis-pc');
    expect(part.nodes.map((n) => n.id)).toEqual(['worker', 'recorder']);
    expect(part.startOrder).toEqual(['recorder', 'worker']);
    const out = await cli('plan', 'graphs/two-hosts.yaml', '--host', 'analysis-pc');
    expect(out.code).toBe(0);
    expect(out.out).toContain("plan: two-hosts, host analysis-pc's part (2 nodes, 2 links)");
    expect(out.out).toContain('lossless, from ventilator on camera-pc');
    expect(out.out).not.toContain('camera-pc (127.0.0.1)');
    const camera = await cli('plan', 'graphs/two-hosts.yaml', '--host', 'camera-pc');
    expect(camera.out).toContain('(to worker) waits for worker on analysis-pc before the sources start');
    const typo = await cli('plan', 'graphs/two-hosts.yaml', '--host', 'analysis-p');
    expect(typo.code).toBe(2);
    expect(typo.err).toContain(
      "no node runs on host analysis-p (did you mean analysis-pc?); the graph's hosts: camera-pc, analysis-pc",
    );
  });
});
