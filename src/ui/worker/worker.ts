// The inference worker: holds the loaded model (model-session.ts) and the current image
// (prepare-image.ts), and routes the page's messages; the forwards run one at a time through the
// request pump (request-pump.ts), on the backend open-backend.ts chose (WebGPU when the browser
// offers an adapter and the model fits, else the CPU path on ONNX Runtime's WASM build).
import type { ModelConfig } from '../../model/config';
import { ModelSession } from './model-session';
import { SpeedBench } from './speed-bench';
import { FolderJob } from './folder-job';
import { modelView, prepareImage, type CurrentImage, type PreparedImage } from './prepare-image';
import type { FromWorker, ToWorker } from '../protocol';
import { RequestPump } from './request-pump';
import { hubSource, localSource, shippedSource } from './weight-sources';

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);

let image: CurrentImage | null = null;
/** An image that arrived before any model was ready: prepared (or refused) once one is. */
let waitingImage: { imageId: number; blob: Blob; name: string } | null = null;

const pump = new RequestPump(() => ({ loaded: session.loaded, image }), post);
const session = new ModelSession(post, {
  unloaded: () => {
    pump.forgetBaseline();
    pump.dropFrame('the model changed');
    pump.modelChanged();
  },
  ready: reprepare,
  recovered: () => void pump.run(),
});

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'load':
      void session.load(m.modelId, shippedSource(m.modelId, m.baseUrl));
      break;
    case 'load-hub':
      void session.load(m.modelId, hubSource(m.repo, m.endpoint));
      break;
    case 'load-local':
      void session.load(m.modelId, localSource(m.name, m.config, m.weights));
      break;
    case 'cancel-load':
      session.cancel(m.modelId);
      break;
    case 'image':
      void acceptImage(m.imageId, m.blob, m.name);
      break;
    case 'analyze':
      pump.analyze(m.slot, m.requestId, m.opts);
      break;
    case 'bench':
      pump.startBench(new SpeedBench(m.benchId, m.points, m.repeat, `tome-${session.loaded?.backend.name ?? 'cpu'}`));
      break;
    case 'profile':
      pump.profile(m.profileId, m.opts);
      break;
    case 'cancel-bench':
      pump.cancelBench(m.benchId);
      break;
    case 'lose-device':
      session.loseDevice();
      break;
    case 'folder':
      if (session.loaded) pump.startFolder(new FolderJob(m.folderId, m.request, session.loaded));
      else post({ type: 'folder-stopped', folderId: m.folderId, message: 'No model is loaded yet: measure once it is.' });
      break;
    case 'cancel-folder':
      pump.cancelFolder(m.folderId);
      break;
    case 'frame':
      if (session.loaded) pump.frame({ frameId: m.frameId, bitmap: m.bitmap, opts: m.opts });
      else post({ type: 'frame-error', frameId: m.frameId, message: 'no model is loaded yet', bitmap: m.bitmap }, [m.bitmap]);
      break;
  }
};

async function acceptImage(imageId: number, blob: Blob, name: string): Promise<void> {
  const loaded = session.loaded;
  if (!loaded) {
    waitingImage = { imageId, blob, name };
    return;
  }
  const config = loaded.weights.config;
  let prepared: PreparedImage;
  try {
    prepared = await prepareImage(blob, config);
  } catch (e) {
    post({ type: 'image-error', imageId, name, message: `${name}: ${(e as Error).message}` });
    return;
  }
  if (session.loaded?.weights.config !== config) return; // the model changed meanwhile; its load re-sends
  image?.prepared.decoded.bitmap.close();
  image = { imageId, name, blob, prepared };
  pump.forgetBaseline();
  sendView(image, config);
  void pump.run();
}

/** After a model switch: the current image again, through the new model's transform. */
async function reprepare(config: ModelConfig): Promise<void> {
  if (waitingImage) {
    const w = waitingImage;
    waitingImage = null;
    return acceptImage(w.imageId, w.blob, w.name);
  }
  const img = image;
  if (!img) return;
  if (img.prepared.modelId !== config.id) {
    try {
      const prepared = await prepareImage(img.blob, config);
      img.prepared.decoded.bitmap.close();
      img.prepared = prepared;
    } catch (e) {
      post({ type: 'image-error', imageId: img.imageId, name: img.name, message: `${img.name}: ${(e as Error).message}` });
      return;
    }
  }
  sendView(img, config);
  void pump.run();
}

function sendView(img: CurrentImage, config: ModelConfig): void {
  void modelView(img, config).then((view) => post({ type: 'view', view }, [view.bitmap, view.rgba.buffer]));
}
