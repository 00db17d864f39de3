/**
 * How a camera's frames start, as the Camera node and native/index.ts Camera.setTrigger name it.
 * Pure (no addon): the node's declaration, read by the editor too, imports it.
 */

/** Free-running, one frame per software trigger, or one per edge on an input line. */
export const TRIGGERS = ['off', 'software', 'Line0', 'Line1', 'Line2', 'Line3', 'Line4'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** Which edge of a line starts a frame. */
export const TRIGGER_ACTIVATIONS = ['RisingEdge', 'FallingEdge'] as const;
export type TriggerActivation = (typeof TRIGGER_ACTIVATIONS)[number];
