import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIAGRAM_FORMATS, machineFiles, type DiagramFormat } from '../inspector/index.js';

export interface MachinesFlags {
  format?: string;
  out?: string;
}

/** `legato machines`: Mermaid on stdout, or files of the chosen formats in --out. */
export async function machinesCommand(flags: MachinesFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const requested = flags.format ?? (flags.out ? 'all' : 'mermaid');
  const formats = requested === 'all' ? [...DIAGRAM_FORMATS] : requested.split(',').map((s) => s.trim());
  const bad = formats.filter((f) => !(DIAGRAM_FORMATS as readonly string[]).includes(f));
  if (bad.length > 0 || formats.length === 0) {
    err.write(`legato: --format ${requested}: unknown format ${bad.join(', ') || '(none)'}; use mermaid, svg, json, md or all\n`);
    return 2;
  }
  if (!flags.out && (formats.length !== 1 || formats[0] === 'svg')) {
    err.write(`legato: --format ${requested} writes several files: give --out <dir>\n`);
    return 2;
  }
  const files = await machineFiles(formats as DiagramFormat[]);
  if (!flags.out) {
    const texts = [...files.entries()];
    if (formats[0] === 'json') out.write(`[\n${texts.map(([, t]) => t.trimEnd()).join(',\n')}\n]\n`);
    else if (formats[0] === 'mermaid') out.write(texts.map(([name, t]) => `%% ${name}\n${t}`).join('\n'));
    else out.write(texts.map(([, t]) => t).join(''));
    return 0;
  }
  mkdirSync(flags.out, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(flags.out, name), text);
  err.write(`legato: wrote ${files.size} files to ${flags.out}\n`);
  return 0;
}
