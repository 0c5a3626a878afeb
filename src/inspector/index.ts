/**
 * Legato's inspector (import 'legato/inspector'): a live statechart view of a running engine served on
 * loopback, recordings to replay, and the machines' diagrams. Built on the public API in src/index.ts only.
 */
export { machineDiagram, toMermaid, toJson, toSvg, toMarkdownTable, allStates, type MachineDiagram, type DiagramState, type DiagramTransition, type MachineLike } from './diagram.js';
export { machineFiles, MACHINES, DIAGRAM_FORMATS, type DiagramFormat } from './machines-export.js';
export { Inspector, createInspector, type InspectorOptions, type Batch } from './inspector.js';
export { startInspectorServer, isLoopback, InspectorServerError, type InspectorServer, type InspectorServerOptions, type InspectorSource } from './server.js';
export { parseRecording, readRecording, recordingWhyInput, RecordingError } from './recording.js';
export { toPlain, activePaths, actorId } from './serialize.js';
export type { InspectRecord, RecordKind } from './records.js';
export { buildDesk, DESK_ENDED_ALGOS, DESK_MAX_ROWS, type Desk, type DeskSpread, type DeskLeg, type DeskStrategy, type DeskAlgo, type DeskOrder, type DeskActor } from './desk.js';
export { parseControl, DESK_ACTIONS, type DeskControl, type DeskControlAction, type ControlParse } from './controls.js';
