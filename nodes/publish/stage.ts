// The executor drives this node's socket (runtime/exec/executor.ts); the stage passes frames on.
import { passThrough } from '../../runtime/exec/pass-through.ts';

export default passThrough;
