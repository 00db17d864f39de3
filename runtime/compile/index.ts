/** The compiler: graph -> plan (sockets, pools, start order) that the executor sets up. */
export { compileGraph, GraphValidationError } from './compile.ts';
export { formatPlan } from './format.ts';
export type { Plan, PlanNode, PlanLink, PlanSocket, PlanPool, SocketType } from './plan.ts';
export { hostPart } from './host-part.ts';
