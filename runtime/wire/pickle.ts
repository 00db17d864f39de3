/**
 * Pickled numpy arrays on the wire: what course scripts send with pyzmq's `send_pyobj(frame)`
 * and read with `recv_pyobj()`. Reading runs nothing from the message (pickle-decode.ts);
 * writing gives a pickle numpy 1.x and 2.x both load (pickle-encode.ts).
 */
export { decodePickle, isPickle } from './pickle-decode.ts';
export { encodePickle, encodePickleString } from './pickle-encode.ts';
