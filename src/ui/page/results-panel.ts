// The results card: r = 0 against the current settings (prediction, top-5, timing, tokens), and
// under the design choices the line saying where they ran when the page's backend lacks one.
import type { ModelConfig } from '../../model/config';
import { ui } from './elements';
import { renderMetrics } from './metrics';
import type { Analysis, BackendInfo } from '../protocol';

export function showResults(a: Analysis, config: ModelConfig, backend: BackendInfo['name']): void {
  renderMetrics(ui.metrics, ui.top5, a, config, backend);
  ui.choicesRoute.textContent = a.route?.reason ?? '';
  ui.curHead.textContent = `r = ${a.opts.r}${a.opts.schedule === 'decreasing' ? ' dec.' : ''}${a.opts.mode === 'prune' ? ' prune' : ''}`;
}
