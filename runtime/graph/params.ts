import type { ParamValues } from '../../nodes/types.ts';
import { getNodeType } from '../../nodes/registry.ts';
import { withDefaults } from './param-rules.ts';

/** A node type's params with defaults applied; params the document gives win. Unknown types pass through. */
export function resolveParams(type: string, params: Record<string, unknown>): ParamValues {
  return withDefaults(getNodeType(type), params);
}
