/**
 * Machine diagrams computed from the machine definitions: a state tree and a transition table (JSON),
 * Mermaid stateDiagram-v2 text, and an SVG laid out by elkjs (in Node) and drawn by a small renderer.
 * Everything is deterministic: the same machine gives byte-identical output.
 */
import elkBundled from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';

/** elkjs is CommonJS: its default export is the constructor (typed as a namespace under NodeNext). */
type ElkCtor = new () => { layout(graph: ElkNode): Promise<ElkNode> };
const ELK = ((elkBundled as unknown as { default?: ElkCtor }).default ?? elkBundled) as unknown as ElkCtor;

export type StateType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface DiagramState {
  /** Dotted path of keys from the root ('' for the root itself), e.g. `active.entry.taker.waiting`. */
  path: string;
  key: string;
  type: StateType;
  /** The initial child's path (compound states). */
  initial: string | null;
  entry: string[];
  exit: string[];
  /** Named delays of `after` transitions leaving this state. */
  after: string[];
  children: DiagramState[];
}

export interface DiagramTransition {
  /** The path of the state that declares it ('' = the machine's root). */
  source: string;
  /** The event type; `always` for eventless transitions, `after <delay>` for delayed ones. */
  event: string;
  guard: string | null;
  /** Target paths; empty for a transition that only runs actions. */
  targets: string[];
  actions: string[];
  reenter: boolean;
}

export interface MachineDiagram {
  machine: string;
  root: DiagramState;
  transitions: DiagramTransition[];
}

/** The parts of an XState v5 StateNode that a diagram reads (kept structural: no private API is needed). */
interface NodeLike {
  key: string;
  type: StateType;
  states: Record<string, NodeLike>;
  initial?: { target?: readonly NodeLike[] };
  entry: readonly unknown[];
  exit: readonly unknown[];
  transitions: Map<string, readonly TransitionLike[]>;
  always?: readonly TransitionLike[];
  after: readonly { delay: string | number }[];
}
interface TransitionLike {
  eventType: string;
  target?: readonly NodeLike[];
  guard?: unknown;
  actions: readonly unknown[];
  reenter?: boolean;
}
/** Anything with a `root` state node and an `id`: an XState v5 machine. */
export interface MachineLike {
  id: string;
  root: unknown;
}

function actionName(a: unknown): string | null {
  if (typeof a === 'string') return a;
  const type = typeof a === 'function' ? ((a as { type?: string }).type ?? (a as { name?: string }).name) : (a as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || type === '') return 'inline';
  if (type === 'xstate.assign') return 'assign';
  if (type === 'xstate.stopChild') return 'stopChild';
  if (type === 'xstate.sendParent' || type === 'xstate.sendTo') return type.slice(7);
  if (type.startsWith('xstate.')) return null; // internal (the raise that arms an `after` timer)
  return type;
}

function guardName(g: unknown): string | null {
  if (g === undefined || g === null) return null;
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const f = g as { name?: string; guards?: unknown[] };
    if (Array.isArray(f.guards) && (f.name === 'not' || f.name === 'and' || f.name === 'or')) {
      const inner = f.guards.map(guardName);
      return f.name === 'not' ? `!${inner[0]}` : inner.join(f.name === 'and' ? ' && ' : ' || ');
    }
    return f.name || 'inline';
  }
  const type = (g as { type?: unknown }).type;
  return typeof type === 'string' ? type : 'inline';
}

/** The diagram model of a machine: its state tree and every transition, in definition order. */
export function machineDiagram(machine: MachineLike): MachineDiagram {
  const paths = new Map<NodeLike, string>();
  const index = (n: NodeLike, path: string): void => {
    paths.set(n, path);
    for (const [k, c] of Object.entries(n.states)) index(c, path === '' ? k : `${path}.${k}`);
  };
  const root = machine.root as NodeLike;
  index(root, '');
  const transitions: DiagramTransition[] = [];
  const names = (xs: readonly unknown[]): string[] => xs.map(actionName).filter((x): x is string => x !== null);
  const build = (n: NodeLike): DiagramState => {
    const path = paths.get(n)!;
    const stateId = path === '' ? machine.id : `${machine.id}.${path}`;
    const afterPrefix = 'xstate.after.';
    const push = (t: TransitionLike, event: string): void => {
      transitions.push({
        source: path,
        event,
        guard: guardName(t.guard),
        targets: (t.target ?? []).map((x) => paths.get(x) ?? '?'),
        actions: names(t.actions),
        reenter: t.reenter === true,
      });
    };
    for (const [type, ts] of n.transitions) {
      let event = type;
      if (type.startsWith(afterPrefix) && type.endsWith(`.${stateId}`)) event = `after ${type.slice(afterPrefix.length, type.length - stateId.length - 1)}`;
      for (const t of ts) push(t, event);
    }
    for (const t of n.always ?? []) push(t, 'always');
    return {
      path,
      key: path === '' ? machine.id : n.key,
      type: n.type,
      initial: n.type === 'compound' && n.initial?.target?.[0] ? paths.get(n.initial.target[0])! : null,
      entry: names(n.entry),
      exit: names(n.exit),
      after: n.after.map((a) => String(a.delay)),
      children: Object.values(n.states).map(build),
    };
  };
  const tree = build(root);
  return { machine: machine.id, root: tree, transitions };
}

/** Every state of a diagram, depth first. */
export function allStates(d: MachineDiagram): DiagramState[] {
  const out: DiagramState[] = [];
  const walk = (s: DiagramState): void => {
    out.push(s);
    s.children.forEach(walk);
  };
  walk(d.root);
  return out;
}

export function transitionLabel(t: DiagramTransition): string {
  return t.guard ? `${t.event} [${t.guard}]` : t.event;
}

// ---------- Mermaid ----------

const mid = (machine: string, path: string): string => (path === '' ? machine : `${machine}_${path.replace(/[^A-Za-z0-9]/g, '_')}`);
const mlabel = (s: string): string => s.replace(/[:;#]/g, ' ').replace(/\s+/g, ' ').trim();

/** Mermaid stateDiagram-v2 text. Transitions that only run actions are left out (the table lists them). */
export function toMermaid(d: MachineDiagram): string {
  const lines: string[] = ['stateDiagram-v2'];
  const states = allStates(d);
  const byPath = new Map(states.map((s) => [s.path, s]));
  // A transition is drawn inside the innermost state that contains both ends, so Mermaid keeps it local.
  const edgesIn = new Map<string, string[]>();
  const common = (a: string, b: string): string => {
    const pa = a === '' ? [] : a.split('.');
    const pb = b === '' ? [] : b.split('.');
    let i = 0;
    while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
    let c = pa.slice(0, i).join('.');
    // Parallel regions cannot hold edges that leave them; lift to a non-parallel-child level.
    while (c !== '' && (c === a || c === b || byPath.get(c.split('.').slice(0, -1).join('.'))?.type === 'parallel')) c = c.split('.').slice(0, -1).join('.');
    return c;
  };
  for (const t of d.transitions) {
    for (const target of t.targets) {
      const container = common(t.source, target);
      const list = edgesIn.get(container) ?? [];
      list.push(`${mid(d.machine, t.source)} --> ${mid(d.machine, target)} : ${mlabel(transitionLabel(t))}`);
      edgesIn.set(container, list);
    }
  }
  const emit = (s: DiagramState, indent: string): void => {
    const inner = indent + '  ';
    if (s.children.length > 0) {
      if (s.path !== '') lines.push(`${indent}state "${s.key}" as ${mid(d.machine, s.path)} {`);
      if (s.initial !== null) lines.push(`${s.path === '' ? indent : inner}[*] --> ${mid(d.machine, s.initial)}`);
      const pad = s.path === '' ? indent : inner;
      s.children.forEach((c, i) => {
        if (s.type === 'parallel' && i > 0) lines.push(`${pad}--`);
        emit(c, pad);
      });
      for (const e of edgesIn.get(s.path) ?? []) lines.push(`${pad}${e}`);
      if (s.path !== '') lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}state "${s.key}" as ${mid(d.machine, s.path)}`);
      if (s.type === 'final') lines.push(`${indent}${mid(d.machine, s.path)} --> [*]`);
    }
  };
  emit(d.root, '');
  return lines.join('\n') + '\n';
}

// ---------- The transition table (JSON) ----------

/** The machine as JSON: states (path, type, initial, entry/exit actions) and the transition table. */
export function toJson(d: MachineDiagram): string {
  const states = allStates(d)
    .filter((s) => s.path !== '')
    .map((s) => ({ path: s.path, type: s.type, initial: s.initial, entry: s.entry, exit: s.exit, after: s.after }));
  return JSON.stringify({ machine: d.machine, initial: d.root.initial, states, transitions: d.transitions }, null, 2) + '\n';
}

/** The transition table as Markdown (for docs). */
export function toMarkdownTable(d: MachineDiagram): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = d.transitions.map((t) => `| ${cell(t.source || '(machine)')} | ${cell(t.event)} | ${cell(t.guard ?? '')} | ${cell(t.targets.join(', ') || '—')} | ${cell(t.actions.join(', '))} |`);
  return ['| state | event | guard | target | actions |', '|---|---|---|---|---|', ...rows].join('\n') + '\n';
}

// ---------- SVG (elkjs layout, drawn here) ----------

const CHAR_W = 7;
const LINE_H = 24;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number): string => String(Math.round(x * 10) / 10);

/** The layout of a machine: elk's positioned graph. */
async function layoutDiagram(d: MachineDiagram): Promise<ElkNode> {
  const node = (s: DiagramState): ElkNode => {
    const id = `s:${s.path}`;
    if (s.children.length === 0) {
      return { id, width: Math.max(56, s.key.length * CHAR_W + 24), height: LINE_H + 6, labels: [{ text: s.key }] };
    }
    const children = s.children.map(node);
    if (s.initial !== null) children.unshift({ id: `i:${s.path}`, width: 10, height: 10 });
    return {
      id,
      labels: [{ text: s.key }],
      children,
      layoutOptions: {
        'elk.padding': '[top=30,left=12,bottom=12,right=12]',
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${s.key.length * CHAR_W + 30}, 40)`,
      },
    };
  };
  const edges: ElkExtendedEdge[] = [];
  let k = 0;
  for (const s of allStates(d)) if (s.initial !== null) edges.push({ id: `init:${s.path}`, sources: [`i:${s.path}`], targets: [`s:${s.initial}`] });
  d.transitions.forEach((t, i) => {
    for (const target of t.targets) {
      const text = transitionLabel(t);
      edges.push({ id: `t:${i}:${k++}`, sources: [`s:${t.source}`], targets: [`s:${target}`], labels: [{ text, width: text.length * 6 + 4, height: 14 }] });
    }
  });
  const graph = node(d.root);
  const root: ElkNode = {
    id: 'root',
    children: [graph],
    edges,
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '24',
      'elk.spacing.edgeLabel': '2',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.randomSeed': '1',
    },
  };
  const elk = new ELK();
  return elk.layout(root);
}

/** The SVG of a machine. State groups carry `data-path` (the page highlights active states by it). */
export async function toSvg(d: MachineDiagram): Promise<string> {
  const laid = await layoutDiagram(d);
  const byPath = new Map(allStates(d).map((s) => [s.path, s]));
  const offsets = new Map<string, { x: number; y: number }>();
  const shapes: string[] = [];
  const walk = (n: ElkNode, ox: number, oy: number): void => {
    const x = ox + (n.x ?? 0);
    const y = oy + (n.y ?? 0);
    offsets.set(n.id, { x, y });
    const w = n.width ?? 0;
    const h = n.height ?? 0;
    if (n.id.startsWith('i:')) shapes.push(`<circle class="initial" cx="${num(x + w / 2)}" cy="${num(y + h / 2)}" r="5"/>`);
    else if (n.id.startsWith('s:')) {
      const s = byPath.get(n.id.slice(2))!;
      const cls = `state ${s.type}${s.children.length > 0 ? ' group' : ''}`;
      const label = s.children.length > 0 ? `<text x="${num(x + 8)}" y="${num(y + 18)}">${esc(s.key)}</text>` : `<text x="${num(x + w / 2)}" y="${num(y + h / 2 + 4)}" text-anchor="middle">${esc(s.key)}</text>`;
      const inner = s.type === 'final' ? `<rect class="inner" x="${num(x + 3)}" y="${num(y + 3)}" width="${num(w - 6)}" height="${num(h - 6)}" rx="5"/>` : '';
      shapes.push(`<g class="${cls}" data-path="${esc(s.path)}"><rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="8"/>${inner}${label}</g>`);
    }
    for (const c of n.children ?? []) walk(c, x, y);
  };
  walk(laid, 0, 0);
  const lines: string[] = [];
  for (const e of laid.edges ?? []) {
    const base = offsets.get((e as { container?: string }).container ?? 'root') ?? { x: 0, y: 0 };
    for (const sec of e.sections ?? []) {
      const pts = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint].map((p) => `${num(base.x + p.x)},${num(base.y + p.y)}`);
      lines.push(`<polyline class="edge${e.id.startsWith('init:') ? ' init' : ''}" data-edge="${esc(e.id)}" points="${pts.join(' ')}"/>`);
    }
    for (const l of e.labels ?? []) {
      lines.push(`<text class="label" x="${num(base.x + (l.x ?? 0) + (l.width ?? 0) / 2)}" y="${num(base.y + (l.y ?? 0) + 11)}" text-anchor="middle">${esc(l.text ?? '')}</text>`);
    }
  }
  const W = Math.ceil(laid.width ?? 0);
  const H = Math.ceil(laid.height ?? 0);
  const style =
    'text{font:12px sans-serif;fill:#222}.state>rect{fill:#f6f8fa;stroke:#57606a;stroke-width:1.2}.state.group>rect{fill:none}' +
    '.state.parallel>rect{stroke-dasharray:6 3}.state.final .inner{fill:none;stroke:#57606a}.initial{fill:#222}' +
    '.edge{fill:none;stroke:#8c959f;stroke-width:1;marker-end:url(#arrow)}.label{font-size:10px;fill:#444}' +
    '.state.active>rect{fill:#fff3b0;stroke:#d4a72c;stroke-width:2.5}.state.group.active>rect{fill:none}';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="machine" data-machine="${esc(d.machine)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">\n` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#8c959f"/></marker><style>${style}</style></defs>\n` +
    shapes.join('\n') +
    '\n' +
    lines.join('\n') +
    '\n</svg>\n'
  );
}
