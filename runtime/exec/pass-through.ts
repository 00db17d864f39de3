import type { StageFactory } from './stage.ts';

/**
 * The stage of Publish, Subscribe, Push and Pull: the executor owns their sockets (so it can
 * wait for subscribers, address end of stream to each worker and count drops per link); the
 * stage only hands each frame from its input to its output.
 */
export const passThrough: StageFactory = (io) => ({
  lifetime: 'forwarded',
  receive: (_port, frame) => io.emit('out', frame),
});
