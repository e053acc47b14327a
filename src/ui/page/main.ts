// The page: its state and the router of the worker's messages to the panels that show them.
// Decoding, preprocessing and every forward happen in the worker; this thread only draws and
// sends requests.
import './style.css';
import { createAppState } from './app-state';
import { showBackend, showDeviceLost } from './backend-badge';
import { BenchControl } from './bench-control';
import { boot } from './boot';
import { ui } from './elements';
import { dropOnPage, filePicker, pasteFromClipboard, type ImageSink } from './image-input';
import { ImageStage, showImageError } from './image-stage';
import { HUB_ENDPOINT } from './hub-endpoint';
import { WEIGHTS_URL } from './model-list';
import { addModelOption, onModelPicked, showLoaded, showLoadFailed, showLoading, showLoadProgress } from './model-select';
import { HUB_ID_PREFIX, LOCAL_ID_PREFIX } from './model-choice';
import { installModelSources } from './model-sources';
import { PngExport } from './png-export';
import { ProfilePanel } from './profile-panel';
import { FolderPanel } from './folder/folder-panel';
import type { BackendInfo, FromWorker, ModelView, ToWorker } from '../protocol';
import { showResults } from './results-panel';
import { drawSpeedChart } from './speed-chart-panel';
import { installTestHook } from './test-hook';
import { onOptionsChange, optionsConflict, readOptions, setModelDefaults, showRLabels } from './tome-controls';
import { CompareView } from './compare-view';
import { videoHook } from './video/video-hook';
import { isVideoFile } from './video/video-file';
import { VideoMode } from './video/video-mode';

const state = createAppState();
const worker = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);

const stage = new ImageStage(state);
const profile = new ProfilePanel(state, send);
const bench = new BenchControl(state, send);
const video = new VideoMode({ state, stage, send, backToImage });
const png = new PngExport(state, stage, (f) => video.caption(f));
const folder = new FolderPanel(state, send, () => drawSpeedChart(state));
const compare = new CompareView(state, send);

function setBusy(): void {
  const waiting = state.source === 'image' && !!state.config && !!state.view && state.analysis?.requestId !== state.requestId;
  ui.busy.hidden = !waiting;
  document.body.dataset.busy = String(waiting);
}

/** Asks for the current settings (superseding any older request) once a model and an image are ready. */
function analyze(): void {
  showRLabels(state.config);
  if (state.config) drawSpeedChart(state);
  folder.render();
  if (video.live) return video.settingsChanged(); // frames run at the settings as they are sent
  compare.request();
  // A combination of design choices that means nothing: its line shows, the last result stays.
  if (optionsConflict() || !state.config || !state.view) return;
  state.requestId++;
  send({ type: 'analyze', slot: 'main', requestId: state.requestId, opts: readOptions() });
  setBusy();
}

/** Local models picked this session, by id, so the selector can load them again. */
const localModels = new Map<string, { name: string; config: File; weights: File }>();

/** The current model stays loaded (and its results shown) until the new one is ready. */
function startLoad(m: Extract<ToWorker, { modelId: string }>, cancellable = false): void {
  state.loadingId = m.modelId;
  showLoading(m.modelId, cancellable);
  send(m);
}

function loadModel(id: string): void {
  if (id.startsWith(HUB_ID_PREFIX)) return loadHub(id.slice(HUB_ID_PREFIX.length));
  const local = localModels.get(id);
  if (local) return startLoad({ type: 'load-local', modelId: id, ...local });
  startLoad({ type: 'load', modelId: id, baseUrl: WEIGHTS_URL });
}

function loadHub(repo: string): void {
  const id = HUB_ID_PREFIX + repo;
  addModelOption('hub-options', id, repo);
  startLoad({ type: 'load-hub', modelId: id, repo, endpoint: HUB_ENDPOINT }, true);
}

const sources = installModelSources({
  hub: loadHub,
  local(name, config, weights) {
    const id = `${LOCAL_ID_PREFIX}${name}`;
    localModels.set(id, { name, config, weights });
    addModelOption('local-options', id, `${name} (${config.name} + ${weights.name})`);
    startLoad({ type: 'load-local', modelId: id, name, config, weights });
  },
  cancel: () => state.loadingId && send({ type: 'cancel-load', modelId: state.loadingId }),
  refuse: (message) => showLoadFailed(state.modelId ? `${message}; ${state.modelId} stays loaded` : message, state.modelId),
});

/** Leaving the camera or a video: the still image again, re-run if the settings moved. */
function backToImage(): void {
  if (state.view) stage.showView(state.view);
  const a = state.analysis;
  const same = a && a.imageId === state.view?.imageId && JSON.stringify(a.opts) === JSON.stringify(readOptions());
  if (same) stage.showGroups();
  else analyze();
  setBusy();
}

const images: ImageSink = {
  take(blob, name) {
    if (isVideoFile(blob, name)) return void video.openFile(blob, name);
    video.leave();
    state.imageId++;
    state.imagesInFlight.add(state.imageId);
    send({ type: 'image', imageId: state.imageId, blob, name });
  },
  refuse: showImageError,
};

function setBackend(info: BackendInfo): void {
  state.backend = info;
  showBackend(info);
  profile.updateButton();
}

function onView(v: ModelView): void {
  state.imagesInFlight.delete(v.imageId);
  if (v.imageId < (state.view?.imageId ?? 0)) return;
  state.view?.bitmap.close();
  state.view = v;
  state.analysis = null;
  state.compare.analysis = null;
  if (!video.live) stage.showView(v);
  profile.updateButton();
  analyze();
}

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'progress':
      if (m.modelId === state.loadingId) showLoadProgress(m.modelId, m);
      break;
    case 'ready':
      if (m.modelId !== state.loadingId) return;
      state.loadingId = '';
      state.modelId = m.modelId;
      state.config = m.config;
      state.modelSha256 = m.sha256;
      state.analysis = null;
      state.compare.analysis = null;
      video.modelChanged();
      showLoaded(m.modelId, m.note);
      if (m.modelId.startsWith(HUB_ID_PREFIX)) void sources.refresh();
      setBackend(m.backend);
      setModelDefaults(m.config);
      stage.setModel(m.config);
      void folder.modelReady();
      analyze();
      break;
    case 'load-error':
      if (m.modelId !== state.loadingId) return;
      state.loadingId = '';
      showLoadFailed(`Could not load ${m.modelId}: ${m.message}${state.modelId ? `; ${state.modelId} stays loaded` : ''}`, state.modelId);
      if (m.modelId.startsWith(HUB_ID_PREFIX)) void sources.refresh();
      break;
    case 'view':
      onView(m.view);
      break;
    case 'image-error':
      state.imagesInFlight.delete(m.imageId);
      showImageError(`${m.message}. The previous image is kept.`);
      break;
    case 'analysis':
      if (m.slot === 'compare') return compare.answer(m);
      if (m.requestId !== state.requestId) return; // superseded by a newer request
      state.analysis = m;
      showResults(m, state.config!, state.backend?.name ?? 'cpu');
      stage.showGroups();
      compare.render();
      setBusy();
      drawSpeedChart(state);
      break;
    case 'analyze-error':
      if (m.slot === 'compare' ? m.requestId === state.compare.requestId : m.requestId === state.requestId || m.requestId < 0) showImageError(m.message);
      break;
    case 'bench-progress':
      bench.progress(m);
      folder.render();
      break;
    case 'bench-done':
      if (bench.done(m)) drawSpeedChart(state);
      folder.render();
      break;
    case 'profile-done':
      profile.done(m.profileId, m.opts, m.report);
      break;
    case 'profile-error':
      profile.failed(m.profileId, m.message);
      break;
    case 'device-lost':
      setBackend(m.backend);
      showDeviceLost(m.message, m.recovered, m.backend);
      analyze();
      break;
    case 'frame-done':
    case 'frame-error':
      video.answer(m);
      break;
    case 'folder-plan':
    case 'folder-progress':
    case 'folder-done':
    case 'folder-stopped':
      folder.answer(m);
      break;
  }
};

onOptionsChange(analyze);
onModelPicked(loadModel);
for (const source of [filePicker, dropOnPage, pasteFromClipboard]) void source(images);
installTestHook(state, () => png.render(), send, videoHook(state, video), folder.hook(), compare.hook());

drawSpeedChart(state);
void boot(loadModel, images);
