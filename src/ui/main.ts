// The page: wires the controls, the worker, the metrics, the charts and the overlay. Decoding,
// preprocessing and every forward happen in the worker; this thread only draws and sends requests.
import './style.css';
import type { ModelConfig } from '../model/config';
import { listModelsBrowser } from '../model/load-browser';
import { maxUsefulR, rPerLayer, tokenCounts, type MergeMode, type Schedule, type ToMeOptions } from '../model/tome';
import { numPatches, gridSize } from '../model/config';
import { drawTokens, drawTradeoff, type TradeoffChart } from './chart';
import { bytes } from './format';
import { groupsAfterLayer, layoutGroups, prunedAfterLayer } from './groups';
import { renderMetrics } from './metrics';
import { MergeOverlay, type VizStyle } from './overlay';
import { renderProfile } from './profile-view';
import type { Analysis, BackendInfo, BenchRow, FromWorker, ModelView, ProfileReport, ToWorker } from './protocol';
import { composePng, copyPng, downloadBlob, EXPORT_SIDE } from './screenshot';
import { adapterLabel, benchSummary } from './summary';
import { backendBadge, fallbackNotice } from './backend-label';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  model: $<HTMLSelectElement>('model'),
  backend: $('backend'),
  load: $('load'),
  notice: $('notice'),
  stage: $('stage'),
  canvas: $<HTMLCanvasElement>('overlay'),
  tooltip: $('tooltip'),
  busy: $('busy'),
  layer: $<HTMLInputElement>('layer'),
  layerOut: $<HTMLOutputElement>('layer-out'),
  file: $<HTMLInputElement>('file'),
  imageName: $('image-name'),
  imageError: $('image-error'),
  savePng: $<HTMLButtonElement>('save-png'),
  copyPng: $<HTMLButtonElement>('copy-png'),
  r: $<HTMLInputElement>('r'),
  rOut: $<HTMLOutputElement>('r-out'),
  rTokens: $<HTMLOutputElement>('r-tokens'),
  prop: $<HTMLInputElement>('prop'),
  metrics: $<HTMLTableElement>('metrics'),
  top5: $('top5'),
  tokens: document.getElementById('tokens') as unknown as SVGSVGElement,
  chart: document.getElementById('chart') as unknown as SVGSVGElement,
  chartNote: $('chart-note'),
  bench: $<HTMLButtonElement>('bench'),
  benchProgress: $('bench-progress'),
  benchCancel: $<HTMLButtonElement>('bench-cancel'),
  profile: $<HTMLButtonElement>('profile'),
  profileOut: $('profile-out'),
  profileError: $('profile-error'),
};

const WEIGHTS_URL = `${import.meta.env.BASE_URL}weights/`;
const SAMPLE = { url: `${import.meta.env.BASE_URL}samples/chelsea.jpg`, name: 'chelsea.jpg (sample, CC0)' };
const DEFAULT_MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';

const state = {
  modelId: '',
  config: null as ModelConfig | null,
  backend: null as BackendInfo | null,
  view: null as ModelView | null,
  analysis: null as Analysis | null,
  requestId: 0,
  imageId: 0,
  /** Image ids sent to the worker and not yet answered (decoded or refused). */
  imagesInFlight: new Set<number>(),
  /** Layer shown by the scrubber (1-based block); follows the last block unless moved. */
  layer: 12,
  followLast: true,
  bench: { id: 0, running: false, rows: null as BenchRow[] | null, source: 'wall' as 'wall' | 'gpu-timestamp' },
  /** The last profile shown (with the settings and image it was taken at) and the one running. */
  profile: {
    id: 0,
    running: false,
    report: null as ProfileReport | null,
    opts: null as ToMeOptions | null,
    imageName: '',
    error: null as string | null,
  },
};

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);
const overlay = new MergeOverlay(ui.canvas);

function options(): ToMeOptions {
  const checked = (name: string) => (document.querySelector(`input[name="${name}"]:checked`) as HTMLInputElement).value;
  return { r: Number(ui.r.value), schedule: checked('schedule') as Schedule, propAttn: ui.prop.checked, mode: checked('mode') as MergeMode };
}

function setBusy(): void {
  const waiting = !!state.config && !!state.view && state.analysis?.requestId !== state.requestId;
  ui.busy.hidden = !waiting;
  document.body.dataset.busy = String(waiting);
}

function analyze(): void {
  updateRLabels();
  if (!state.config || !state.view) return;
  state.requestId++;
  send({ type: 'analyze', requestId: state.requestId, opts: options() });
  setBusy();
}

/** Slider label and the token count r leaves after the last block (known before any run). */
function updateRLabels(): void {
  const o = options();
  ui.rOut.value = String(o.r);
  ui.r.setAttribute('aria-valuetext', `r = ${o.r}`);
  if (!state.config) return;
  const c = state.config;
  const counts = tokenCounts(numPatches(c), rPerLayer(c.depth, o.r, o.schedule));
  ui.rTokens.value = `${counts[c.depth]} of ${counts[0]}`;
  drawChart();
}

function showError(msg: string): void {
  ui.imageError.textContent = msg;
  ui.imageError.hidden = false;
}

function sendImage(blob: Blob, name: string): void {
  state.imageId++;
  state.imagesInFlight.add(state.imageId);
  send({ type: 'image', imageId: state.imageId, blob, name });
}

function redrawGroups(): void {
  const a = state.analysis;
  const v = state.view;
  const c = state.config;
  if (!a || !v || !c || a.imageId !== v.imageId) return overlay.setGroups(null);
  const layer = Math.min(state.layer, c.depth);
  ui.layerOut.value = String(layer);
  const groups = groupsAfterLayer(a.current.tokenOfPatch, layer - 1);
  const layout = layoutGroups(groups, gridSize(c), v.rgba, v.size, prunedAfterLayer(a.current.tokenOfPatch, layer - 1));
  overlay.setGroups(layout);
  $('heat-max').textContent = String(layout.largest); // the heat map's log scale tops out here
  ui.canvas.dataset.layer = String(layer);
  drawTokens(ui.tokens, a.baseline.tokens, a.current.tokens, layer);
}

function onAnalysis(a: Analysis): void {
  if (a.requestId !== state.requestId) return; // superseded by a newer request
  state.analysis = a;
  renderMetrics(ui.metrics, ui.top5, a, state.config!, state.backend?.kind ?? 'cpu');
  $('cur-head').textContent = `r = ${a.opts.r}${a.opts.schedule === 'decreasing' ? ' dec.' : ''}${a.opts.mode === 'prune' ? ' prune' : ''}`;
  redrawGroups();
  setBusy();
  drawChart();
}

function onView(v: ModelView): void {
  state.imagesInFlight.delete(v.imageId);
  if (v.imageId < (state.view?.imageId ?? 0)) return;
  state.view?.bitmap.close();
  state.view = v;
  state.analysis = null;
  ui.imageError.hidden = true;
  overlay.setGroups(null);
  overlay.setView(v);
  const down = v.downscaledFrom ? `, reduced from ${v.downscaledFrom.width}×${v.downscaledFrom.height}` : '';
  ui.imageName.textContent = `${v.name} · ${v.width}×${v.height}${down}`;
  ui.imageName.title = ui.imageName.textContent;
  updateProfileButton();
  analyze();
}

// ---- profile ----

const PROFILE_LABEL = 'Profile this forward';

/** Enabled on WebGPU once a model and an image are ready, and while no profile runs. */
function updateProfileButton(): void {
  const p = state.profile;
  const cpu = state.backend?.kind === 'cpu';
  const ready = !!state.config && !!state.view;
  ui.profile.disabled = cpu || !ready || p.running;
  ui.profile.title = cpu
    ? `Profiling needs the WebGPU engine (this page runs ${state.backend?.description ?? 'on the CPU'})`
    : !ready
      ? 'Waiting for the model and an image'
      : p.running
        ? 'Profiling: two forwards, then ToMe\'s dispatches timed alone'
        : 'Time every kernel of one forward at the current settings';
  ui.profile.setAttribute('aria-busy', String(p.running));
  if (p.running) {
    const spin = document.createElement('span');
    spin.className = 'spinner';
    ui.profile.replaceChildren(spin, 'Profiling…');
  } else ui.profile.textContent = PROFILE_LABEL;
}

function startProfile(): void {
  if (ui.profile.disabled || !state.view) return;
  const p = state.profile;
  p.id++;
  p.running = true;
  p.error = null;
  p.imageName = state.view.name;
  ui.profileError.hidden = true;
  updateProfileButton();
  send({ type: 'profile', profileId: p.id, opts: options() });
}

function onProfileDone(opts: ToMeOptions, report: ProfileReport): void {
  const p = state.profile;
  p.running = false;
  p.report = report;
  p.opts = opts;
  renderProfile(ui.profileOut, report, opts, p.imageName);
  updateProfileButton();
}

function onProfileError(message: string): void {
  const p = state.profile;
  p.running = false;
  p.error = message;
  ui.profileError.textContent = message;
  ui.profileError.hidden = false;
  updateProfileButton();
}

function setBackend(info: BackendInfo): void {
  state.backend = info;
  ui.backend.className = `badge ${info.kind === 'webgpu' ? 'gpu' : 'cpu'}`;
  ui.backend.textContent = backendBadge(info);
  ui.backend.title = info.description;
  document.body.dataset.backend = info.kind;
  if (info.kind === 'cpu') {
    ui.notice.className = 'notice';
    ui.notice.textContent = fallbackNotice(info);
    ui.notice.hidden = false;
  } else ui.notice.hidden = true;
  updateProfileButton();
}

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'progress': {
      if (m.modelId !== state.modelId) return;
      const p = m.total ? (100 * m.loaded) / m.total : 0;
      (ui.load.querySelector('.fill') as HTMLElement).style.width = `${p}%`;
      ui.load.setAttribute('aria-valuenow', p.toFixed(0));
      (ui.load.querySelector('.text') as HTMLElement).textContent = `Loading ${m.modelId}: ${bytes(m.loaded)} of ${bytes(m.total)} (${p.toFixed(0)}%)`;
      break;
    }
    case 'ready':
      if (m.modelId !== state.modelId) return;
      state.config = m.config;
      ui.load.classList.add('done');
      document.body.dataset.model = m.modelId;
      setBackend(m.backend);
      ui.r.max = String(maxUsefulR(numPatches(m.config), m.config.depth));
      ui.layer.max = String(m.config.depth);
      if (state.followLast) state.layer = m.config.depth;
      ui.layer.value = String(state.layer);
      ui.model.disabled = false;
      analyze();
      break;
    case 'load-error':
      if (m.modelId !== state.modelId) return;
      (ui.load.querySelector('.text') as HTMLElement).textContent = `Could not load ${m.modelId}: ${m.message}`;
      ui.load.classList.add('failed');
      ui.model.disabled = false;
      break;
    case 'view':
      onView(m.view);
      break;
    case 'image-error':
      state.imagesInFlight.delete(m.imageId);
      showError(`${m.message}. The previous image is kept.`);
      break;
    case 'analysis':
      onAnalysis(m);
      break;
    case 'analyze-error':
      if (m.requestId === state.requestId || m.requestId < 0) showError(m.message);
      break;
    case 'bench-progress': {
      if (m.benchId !== state.bench.id) return;
      const bar = ui.benchProgress.querySelector('progress')!;
      bar.value = m.done / m.total;
      (ui.benchProgress.querySelector('.text') as HTMLElement).textContent = `${m.done} / ${m.total} forwards`;
      break;
    }
    case 'bench-done':
      if (m.benchId !== state.bench.id) return;
      state.bench.running = false;
      state.bench.rows = m.rows.length ? m.rows : state.bench.rows;
      state.bench.source = m.timingSource;
      ui.benchProgress.hidden = true;
      ui.bench.disabled = false;
      drawChart();
      break;
    case 'profile-done':
      if (m.profileId === state.profile.id) onProfileDone(m.opts, m.report);
      break;
    case 'profile-error':
      if (m.profileId === state.profile.id) onProfileError(m.message);
      break;
    case 'device-lost':
      setBackend(m.backend);
      ui.notice.className = 'notice info';
      ui.notice.textContent = m.recovered
        ? `The GPU device was lost (${m.message}); a new one was created and the last request re-run.`
        : `The GPU device was lost (${m.message}) and could not be recreated; using ${m.backend.description}.`;
      ui.notice.hidden = false;
      analyze();
      break;
  }
};

// ---- speed / accuracy chart ----

function drawChart(): void {
  const o = options();
  const summary = benchSummary();
  const measured = state.bench.rows;
  let chart: TradeoffChart | null = null;
  let note: string;
  if (summary) {
    const speedOf = (r: number, s: Schedule) => measured?.find((m) => m.r === r && m.schedule === s)?.speedup;
    chart = {
      points: summary.points.map((p) => ({ r: p.r, schedule: p.schedule, x: speedOf(p.r, p.schedule) ?? p.speedup, y: p.top1 * 100 })),
      current: o,
      xLabel: 'speed-up over r = 0',
      yLabel: 'top-1 (%)',
      yFormat: (v) => v.toFixed(0),
    };
    note = `Top-1 on the eval set for ${summary.model}. Speed-up ${measured ? `measured here (${state.bench.source === 'gpu-timestamp' ? 'GPU timestamps' : 'wall clock'})` : `from npm run bench on ${adapterLabel(summary.adapter)}`}.`;
    if (summary.model !== state.modelId) note += ` (The selected model is ${state.modelId}.)`;
  } else if (measured) {
    chart = {
      points: measured.map((m) => ({ r: m.r, schedule: m.schedule, x: m.r, y: m.speedup })),
      current: o,
      xLabel: 'r',
      yLabel: 'speed-up',
      yFormat: (v) => `${v.toFixed(1)}×`,
    };
    note = 'Accuracy not measured yet (npm run bench writes bench/results/summary.json): speed-up measured here against r.';
  } else {
    note = 'Not measured yet: npm run bench writes bench/results/summary.json, or measure speed here.';
  }
  drawTradeoff(ui.chart, chart, 'not measured yet');
  ui.chartNote.textContent = note;
}

function startBench(): void {
  const c = state.config;
  if (!c || !state.view || state.bench.running) return;
  const max = maxUsefulR(numPatches(c), c.depth);
  const rs = [...new Set([0, 4, 8, 12, 16, max].filter((r) => r <= max))].sort((a, b) => a - b);
  const points = [...rs.map((r) => ({ r, schedule: 'constant' as Schedule })), ...rs.filter((r) => r > 0).map((r) => ({ r, schedule: 'decreasing' as Schedule }))];
  state.bench.id++;
  state.bench.running = true;
  ui.bench.disabled = true;
  ui.benchProgress.hidden = false;
  ui.benchProgress.querySelector('progress')!.value = 0;
  (ui.benchProgress.querySelector('.text') as HTMLElement).textContent = 'starting…';
  send({ type: 'bench', benchId: state.bench.id, points, repeat: state.backend?.kind === 'webgpu' ? 3 : 1 });
}

// ---- screenshot ----

async function exportPng(): Promise<Blob> {
  const a = state.analysis;
  const c = state.config;
  if (!a || !c) throw new Error('nothing to export yet');
  const top = a.current.top5[0];
  const o = a.opts;
  const t = a.currentTiming;
  const snap = overlay.snapshot(EXPORT_SIDE);
  return composePng(snap, {
    title: `${c.labels[top.index]} (${(top.prob * 100).toFixed(1)}%) · ${state.view?.name ?? ''}`,
    lines: [
      `${c.id} · r = ${o.r}, ${o.schedule} schedule, ${o.mode}${o.propAttn ? ', proportional attention' : ''} · groups after block ${Math.min(state.layer, c.depth)}`,
      `tokens ${a.current.tokens[0]} → ${a.current.tokens[c.depth]} · ${t.ms.toFixed(1)} ms per forward (${t.source === 'gpu-timestamp' ? 'GPU timestamps' : 'wall clock'}, ${state.backend?.kind === 'webgpu' ? 'WebGPU ' + state.backend.description : (state.backend?.description ?? 'CPU')})`,
    ],
  });
}

// ---- inputs ----

function takeFile(file: File | null | undefined): void {
  if (!file) return;
  sendImage(file, file.name || 'pasted image');
}

ui.file.addEventListener('change', () => {
  takeFile(ui.file.files?.[0]);
  ui.file.value = '';
});
window.addEventListener('dragover', (e) => {
  e.preventDefault();
  document.body.classList.add('dragging');
});
window.addEventListener('dragleave', (e) => {
  if (!e.relatedTarget) document.body.classList.remove('dragging');
});
window.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const files = e.dataTransfer?.files;
  if (files && files.length) takeFile(files[0]);
  else showError('Nothing to open in what was dropped (drop an image file). The previous image is kept.');
});
window.addEventListener('paste', (e) => {
  const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file');
  if (item) takeFile(item.getAsFile());
});

for (const el of document.querySelectorAll<HTMLInputElement>('input[name="schedule"], input[name="mode"]')) el.addEventListener('change', analyze);
ui.r.addEventListener('input', analyze);
ui.prop.addEventListener('change', analyze);
for (const el of document.querySelectorAll<HTMLInputElement>('input[name="viz"]')) {
  el.addEventListener('change', () => {
    overlay.setStyle(el.value as VizStyle);
    $('heat-legend').hidden = el.value !== 'heat';
  });
}
ui.layer.addEventListener('input', () => {
  state.layer = Number(ui.layer.value);
  state.followLast = state.layer === Number(ui.layer.max);
  redrawGroups();
});
ui.model.addEventListener('change', () => loadModel(ui.model.value));
ui.bench.addEventListener('click', startBench);
ui.profile.addEventListener('click', startProfile);
ui.benchCancel.addEventListener('click', () => send({ type: 'cancel-bench', benchId: state.bench.id }));
ui.savePng.addEventListener('click', () => {
  exportPng().then(
    (b) => downloadBlob(b, `tome-${state.modelId}-r${options().r}.png`),
    (e) => showError((e as Error).message),
  );
});
ui.copyPng.addEventListener('click', () => {
  exportPng()
    .then(copyPng)
    .then((ok) => {
      ui.copyPng.textContent = ok ? 'Copied' : 'Copy not allowed';
      setTimeout(() => (ui.copyPng.textContent = 'Copy'), 1500);
    }, (e) => showError((e as Error).message));
});

overlay.onHover = (h) => {
  if (!h) {
    ui.tooltip.hidden = true;
    return;
  }
  ui.tooltip.hidden = false;
  ui.tooltip.textContent = h.pruned ? 'pruned patch (its token was dropped)' : h.size === 1 ? 'unmerged patch' : `group of ${h.size} patches → 1 token`;
  const w = ui.stage.clientWidth;
  ui.tooltip.style.left = `${Math.min(h.x + 12, w - 170)}px`;
  ui.tooltip.style.top = `${Math.min(h.y + 14, ui.stage.clientHeight - 30)}px`;
};

// ---- startup ----

function loadModel(id: string): void {
  state.modelId = id;
  state.config = null;
  state.analysis = null;
  ui.model.disabled = true;
  updateProfileButton();
  ui.load.classList.remove('done', 'failed');
  (ui.load.querySelector('.fill') as HTMLElement).style.width = '0';
  (ui.load.querySelector('.text') as HTMLElement).textContent = `Loading ${id}…`;
  send({ type: 'load', modelId: id, baseUrl: WEIGHTS_URL });
}

async function boot(): Promise<void> {
  drawChart();
  let models: Awaited<ReturnType<typeof listModelsBrowser>>;
  try {
    models = await listModelsBrowser(WEIGHTS_URL);
    if (!models.length) throw new Error('public/weights/index.json lists no model (run `npm run weights`)');
  } catch (e) {
    (ui.load.querySelector('.text') as HTMLElement).textContent = (e as Error).message;
    ui.load.classList.add('failed');
    return;
  }
  for (const m of models) {
    const opt = document.createElement('option');
    opt.value = m.id;
    opt.textContent = `${m.id} (${bytes(m.bytes)})`;
    ui.model.append(opt);
  }
  const first = models.find((m) => m.id === DEFAULT_MODEL) ?? models[0];
  ui.model.value = first.id;
  loadModel(first.id);
  const res = await fetch(SAMPLE.url);
  if (res.ok) sendImage(await res.blob(), SAMPLE.name);
}

/** Test and debugging hook: read-only views of the state plus the export and device-loss paths. */
const hook = {
  get status() {
    return {
      modelId: state.modelId,
      ready: !!state.config,
      backend: state.backend,
      imageId: state.view?.imageId ?? 0,
      imageName: state.view?.name ?? '',
      imagesInFlight: state.imagesInFlight.size,
      requestId: state.requestId,
      answeredId: state.analysis?.requestId ?? 0,
      layer: state.layer,
      benchRunning: state.bench.running,
      benchRows: state.bench.rows,
    };
  },
  get analysis() {
    const a = state.analysis;
    if (!a) return null;
    return {
      requestId: a.requestId,
      opts: a.opts,
      tokens: a.current.tokens,
      baselineTokens: a.baseline.tokens,
      top5: a.current.top5,
      baselineTop5: a.baseline.top5,
      groups: Array.from(a.current.groups),
      ms: a.currentTiming.ms,
      timingSource: a.currentTiming.source,
    };
  },
  /** The last profile (null before the first), the settings it ran at, and whether one runs. */
  get profile() {
    const p = state.profile;
    return { running: p.running, report: p.report, opts: p.opts, error: p.error };
  },
  overlayGroups: () => (ui.canvas.dataset.groups ? ui.canvas.dataset.groups.split(',').map(Number) : []),
  /** The PNG export as bytes (what Save PNG downloads). */
  exportPng: async () => Array.from(new Uint8Array(await (await exportPng()).arrayBuffer())),
  loseDevice: () => send({ type: 'lose-device' }),
};
(window as unknown as { __tome: typeof hook }).__tome = hook;

void boot();
