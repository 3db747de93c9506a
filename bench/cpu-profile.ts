/** Reads a V8 CPU profile (node --cpu-prof) and sums self time per function: where a process spends its time. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The `count` functions with the most self time: [percent, function, file:line relative to `root`]. */
export function topSelfTime(file: string, count: number, root: string): string[][] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; micros: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    if (!node) throw new Error(`${file}: sample ${i} names node ${id}, which the profile does not list`);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(`file://${root}`, '').replace(/^.*node_modules\//, '')}:${lineNumber + 1}` : '';
    const key = `${functionName}|${where}`;
    const entry = self.get(key) ?? { name: functionName || '(anonymous)', where, micros: 0 };
    entry.micros += profile.timeDeltas[i] ?? 0;
    total += profile.timeDeltas[i] ?? 0;
    self.set(key, entry);
  });
  return [...self.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, count)
    .map((e) => [((100 * e.micros) / total).toFixed(1), e.name, e.where]);
}
