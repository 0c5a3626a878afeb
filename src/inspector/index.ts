/**
 * Legato's inspector (import 'legato/inspector'): a live statechart view of a running engine served on
 * loopback, recordings to replay, and the machines' diagrams. Built on the public API in src/index.ts only.
 */
export { machineDiagram, toMermaid, toJson, toSvg, toMarkdownTable, allStates, type MachineDiagram, type DiagramState, type DiagramTransition, type MachineLike } from './diagram.js';
export { machineFiles, MACHINES, DIAGRAM_FORMATS, type DiagramFormat } from './machines-export.js';
export { Inspector, createInspector, type InspectorOptions, type Batch } from './inspector.js';
export { startInspectorServer, isLoopback, InspectorServerError, type InspectorServer, type InspectorServerOptions, type InspectorSource } from './server.js';
export { parseRecording, readRecording, RecordingError } from './recording.js';
export { toPlain, activePaths, actorId } from './serialize.js';
export type { InspectRecord, RecordKind } from './records.js';
