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
import { WEIGHTS_URL } from './model-list';
import { onModelPicked, showLoaded, showLoadFailed, showLoading, showLoadProgress } from './model-select';
import { PngExport } from './png-export';
import { ProfilePanel } from './profile-panel';
import type { BackendInfo, FromWorker, ModelView, ToWorker } from './protocol';
import { showResults } from './results-panel';
import { drawSpeedChart } from './speed-chart-panel';
import { installTestHook } from './test-hook';
import { onOptionsChange, readOptions, setRRange, showRLabels } from './tome-controls';
import { videoHook } from './video/video-hook';
import { isVideoFile } from './video/video-file';
import { VideoMode } from './video/video-mode';

const state = createAppState();
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);

const stage = new ImageStage(state);
const profile = new ProfilePanel(state, send);
const bench = new BenchControl(state, send);
const video = new VideoMode({ state, stage, send, backToImage });
const png = new PngExport(state, stage, (f) => video.caption(f));

function setBusy(): void {
  const waiting = state.source === 'image' && !!state.config && !!state.view && state.analysis?.requestId !== state.requestId;
  ui.busy.hidden = !waiting;
  document.body.dataset.busy = String(waiting);
}

/** Asks for the current settings (superseding any older request) once a model and an image are ready. */
function analyze(): void {
  showRLabels(state.config);
  if (state.config) drawSpeedChart(state);
  if (video.live) return video.settingsChanged(); // frames run at the settings as they are sent
  if (!state.config || !state.view) return;
  state.requestId++;
  send({ type: 'analyze', requestId: state.requestId, opts: readOptions() });
  setBusy();
}

function loadModel(id: string): void {
  state.modelId = id;
  state.config = null;
  state.analysis = null;
  video.modelChanged();
  showLoading(id);
  profile.updateButton();
  send({ type: 'load', modelId: id, baseUrl: WEIGHTS_URL });
}

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
  if (!video.live) stage.showView(v);
  profile.updateButton();
  analyze();
}

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'progress':
      if (m.modelId === state.modelId) showLoadProgress(m.modelId, m.loaded, m.total);
      break;
    case 'ready':
      if (m.modelId !== state.modelId) return;
      state.config = m.config;
      showLoaded(m.modelId);
      setBackend(m.backend);
      setRRange(m.config);
      stage.setDepth(m.config.depth);
      analyze();
      break;
    case 'load-error':
      if (m.modelId === state.modelId) showLoadFailed(`Could not load ${m.modelId}: ${m.message}`);
      break;
    case 'view':
      onView(m.view);
      break;
    case 'image-error':
      state.imagesInFlight.delete(m.imageId);
      showImageError(`${m.message}. The previous image is kept.`);
      break;
    case 'analysis':
      if (m.requestId !== state.requestId) return; // superseded by a newer request
      state.analysis = m;
      showResults(m, state.config!, state.backend?.kind ?? 'cpu');
      stage.showGroups();
      setBusy();
      drawSpeedChart(state);
      break;
    case 'analyze-error':
      if (m.requestId === state.requestId || m.requestId < 0) showImageError(m.message);
      break;
    case 'bench-progress':
      bench.progress(m);
      break;
    case 'bench-done':
      if (bench.done(m)) drawSpeedChart(state);
      break;
    case 'profile-done':
      profile.done(m.profileId, m.opts, m.report);
      break;
    case 'profile-error':
      profile.failed(m.profileId, m.message);
      break;
    case 'device-lost':
      setBackend(m.backend);
      showDeviceLost(m.message, m.recovered);
      analyze();
      break;
    case 'frame-done':
    case 'frame-error':
      video.answer(m);
      break;
  }
};

onOptionsChange(analyze);
onModelPicked(loadModel);
for (const source of [filePicker, dropOnPage, pasteFromClipboard]) void source(images);
installTestHook(state, () => png.render(), send, videoHook(state, video));

drawSpeedChart(state);
void boot(loadModel, images);
