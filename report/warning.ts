/**
 * The one line a plugin's recoverable failure prints: `warning: <plugin> failed in <hook> (trial n): <why>`.
 * The message often arrives already stamped (a PluginError says "<plugin> failed in <hook>: ...", a
 * worker relays "batchtune: warning: ..."), so prefixes it repeats are dropped: each is said once.
 */
interface PluginWarning {
  plugin: string;
  hook: string;
  message: string;
  trialId?: number;
}

export function pluginWarningLine(e: PluginWarning): string {
  const stamp = `${e.plugin} failed in ${e.hook}`;
  let message = e.message.trim();
  for (let before = ''; before !== message;) {
    before = message;
    message = message.replace(/^(batchtune|warning|error):\s*/i, '');
    if (message.startsWith(`${stamp}: `)) message = message.slice(stamp.length + 2);
  }
  const trial = e.trialId !== undefined ? ` (trial ${e.trialId})` : '';
  return `warning: ${stamp}${trial}: ${message || 'no reason given'}`;
}
