// This node's socket is opened by ./socket.ts (on the executor's shared transports); the stage passes frames on.
import { passThrough } from '../../runtime/exec/pass-through.ts';

export default passThrough;
