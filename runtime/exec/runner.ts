/**
 * Running one node: loading its stage, the StageIO it gets, opening it, and the loop that
 * takes its inbox (or runs its source) until every input has ended, then ends its outputs.
 */
import { getNodeType, loadStage } from '../../nodes/registry.ts';
import type { Message } from '../wire/index.ts';
import type { RunContext } from './context.ts';
import { ExecError, errorCode } from './errors.ts';
import type { Runner } from './run-state.ts';
import type { StageFactory, StageIO } from './stage.ts';
import { closeSource } from './transports/receiver.ts';

/** Creates every node's stage (a test's factory first, else the one its type's definition names). */
export async function loadStages(ctx: RunContext, startedAt: Date): Promise<void> {
  for (const r of ctx.runners.values()) {
    const type = r.node.type;
    let factory: StageFactory | undefined = ctx.options.stages?.[type];
    if (!factory) {
      try {
        factory = await loadStage(type);
      } catch (e) {
        throw new ExecError('STAGE_MISSING', `cannot load the ${type} stage: ${(e as Error).message}`, r.node.id);
      }
      if (typeof factory !== 'function')
        throw new ExecError(
          'STAGE_MISSING',
          `the ${type} stage has no default export StageFactory (or the type is not registered)`,
          r.node.id,
        );
    }
    r.io = makeIO(ctx, r, startedAt);
    try {
      r.stage = await factory(r.io);
    } catch (e) {
      throw new ExecError('STAGE_FAILED', `creating the stage failed: ${(e as Error).message}`, r.node.id);
    }
  }
}

function makeIO(ctx: RunContext, r: Runner, startedAt: Date): StageIO {
  return {
    node: r.node,
    graphText: ctx.options.graphText,
    startedAt,
    stats: r.stats,
    signal: ctx.signal,
    sockets: r.stageSockets,
    refs: {
      request: ctx.refs.request,
      ref: (frame) => ctx.refs.ref(frame)[0],
      take: (body) => ctx.refs.takeOnce(body),
    },
    emit: (port, msg, branch, release) => emitFrom(ctx, r, port, msg, branch, release),
    branches: (port) => r.outputs.get(port)?.length ?? 0,
    lends: (port) => ctx.loans.lends(r, port),
    keep: (frame) => ctx.loans.keep(frame),
    lent: (frame) => ctx.loans.lent(frame),
    warn: (error) => ctx.problems.warn(r, error),
    note: (error) => ctx.problems.note(r, error),
    fail: (error) => ctx.fail(r, error),
    inputs: r.inputs,
  };
}

export async function openStage(r: Runner): Promise<void> {
  try {
    await r.stage?.open?.();
  } catch (e) {
    throw new ExecError(
      errorCode(e) === 'STAGE_FAILED' ? 'STAGE_FAILED' : (errorCode(e) as never),
      `open failed: ${(e as Error).message}`,
      r.node.id,
    );
  }
}

function emitFrom(
  ctx: RunContext,
  r: Runner,
  port: string,
  msg: Message,
  branch?: number,
  release?: () => void,
): Promise<void> {
  // End of stream is the executor's job: it follows run() or end().
  if (msg.kind !== 'frame') {
    release?.();
    return Promise.resolve();
  }
  const sinks = r.outputs.get(port);
  if (!sinks || sinks.length === 0) {
    release?.();
    const decl = getNodeType(r.node.type);
    if (decl && !decl.outputs.some((p) => p.name === port))
      return Promise.reject(new ExecError('BAD_PLAN', `emit on unknown port ${JSON.stringify(port)}`, r.node.id));
    // An output nobody consumes (an unconnected port): counted, not sent.
    r.flow.framesOut++;
    r.flow.bytesOut += msg.data.byteLength;
    return Promise.resolve();
  }
  let chosen = sinks;
  if (branch !== undefined) {
    const s = sinks[branch];
    if (!s) {
      release?.();
      return Promise.reject(
        new ExecError('BAD_PLAN', `port ${port} has ${sinks.length} branches, got branch ${branch}`, r.node.id),
      );
    }
    chosen = [s];
  }
  r.flow.framesOut++;
  r.flow.bytesOut += msg.data.byteLength;
  if (ctx.options.tap) {
    try {
      ctx.options.tap(r.node.id, msg);
    } catch (e) {
      ctx.problems.warn(r, e as Error);
    }
  }
  let frame = msg;
  if (release || ctx.loans.isLent(msg)) {
    if (ctx.loans.lends(r, port) > 0) ctx.loans.lend(msg, chosen.length, release);
    else {
      // A consumer here may hold the buffer past what the executor sees: it gets its own copy.
      frame = { ...msg, data: Buffer.from(msg.data) };
      r.stats.bytesCopied += msg.data.byteLength;
      release?.();
    }
  }
  for (const s of chosen) s.sent++;
  if (chosen.length === 1) return chosen[0].send(frame);
  return Promise.all(chosen.map((s) => s.send(frame))).then(() => undefined);
}

/** Runs the node to its end: its source, or its inbox until every input has ended; then end of stream on every output. */
export async function drive(ctx: RunContext, r: Runner): Promise<void> {
  r.state = 'running';
  const stage = r.stage!;
  // A source fed through optional inputs (a Camera's trigger) takes them while it runs; end() tells it they ended.
  const fed = r.isSource && r.inputs > 0;
  if (r.isSource) {
    const inputs = fed ? takeInbox(ctx, r).then(() => endStage(ctx, r)) : undefined;
    try {
      await stage.run!();
    } catch (e) {
      ctx.fail(r, e);
    }
    await inputs;
  } else await takeInbox(ctx, r);
  r.state = 'draining';
  if (!fed) await endStage(ctx, r);
  const sinks = [...r.outputs.values()].flat();
  await Promise.all(sinks.map((s) => s.end(s.sent).catch((e) => ctx.problems.report(r, e))));
  r.state = r.failed ? 'failed' : 'done';
}

async function endStage(ctx: RunContext, r: Runner): Promise<void> {
  if (r.failed) return;
  try {
    await r.stage!.end?.();
  } catch (e) {
    ctx.fail(r, e);
  }
}

/** The node's inbox, each frame to receive(), until every input has ended. */
async function takeInbox(ctx: RunContext, r: Runner): Promise<void> {
  const stage = r.stage!;
  while (r.inputs > 0) {
    const item = await r.inbox.take();
    if (item.link) item.link.queued = Math.max(0, item.link.queued - (item.frame ? 1 : 0));
    if (!item.frame) {
      r.inputs--;
      if (item.aux) r.auxOpen--;
      // Every in-graph input has ended: outside-only sockets have no more say (their frames
      // already received are still in the inbox and are processed before their end).
      else if (r.auxOpen > 0 && r.inputs === r.auxOpen) for (const a of r.aux) closeSource(ctx, a);
      continue;
    }
    r.flow.framesIn++;
    r.flow.bytesIn += item.frame.data.byteLength;
    if (r.failed) {
      // A failed node takes what its producers still send, so they can finish; these frames are lost.
      r.flow.lost++;
      ctx.loans.done(item.frame);
      continue;
    }
    const t0 = process.hrtime.bigint();
    try {
      await stage.receive?.(item.port, item.frame);
    } catch (e) {
      ctx.fail(r, e);
    }
    // Done with the frame (lifetime: 'done-on-receive'), or it forwarded it: its consumers hold it now.
    ctx.loans.done(item.frame);
    r.flow.busyNs += Number(process.hrtime.bigint() - t0);
  }
}
