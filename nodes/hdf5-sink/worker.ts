/**
 * The HDF5Sink's writer in a worker thread of its own (writer-host.ts), where it writes with
 * h5wasm: every call synchronous, and long (the pixels go through WebAssembly memory).
 */
import { parentPort } from 'node:worker_threads';
import type { ToWriter } from './messages.ts';
import { WriterHost } from './writer-host.ts';

const port = parentPort;
if (!port) throw new Error('nodes/hdf5-sink/worker.ts runs in a worker thread');

const host = new WriterHost((msg) => port.postMessage(msg));
port.on('message', (msg: ToWriter) => host.receive(msg));
