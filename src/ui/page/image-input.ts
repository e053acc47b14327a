// Where the page's images come from: the file picker, a drop anywhere on the page, a paste, and
// the bundled sample. Each source hands what it gets to one sink (the page sends it to the
// worker, which decodes it); a new kind of input is one more ImageSource.
import { ui } from './elements';

export interface ImageSink {
  /** An encoded image (any format the browser decodes) and the name to show for it. */
  take(blob: Blob, name: string): void;
  /** Nothing usable arrived: a one-line reason (the previous image stays). */
  refuse(message: string): void;
}

/** Starts handing images to `sink` (for as long as the page lives, or once for the sample). */
export type ImageSource = (sink: ImageSink) => void | Promise<void>;

const SAMPLE = { url: `${import.meta.env.BASE_URL}samples/chelsea.jpg`, name: 'chelsea.jpg (sample, CC0)' };

function takeFile(sink: ImageSink, file: File | null | undefined): void {
  if (!file) return;
  sink.take(file, file.name || 'pasted image');
}

export const filePicker: ImageSource = (sink) => {
  ui.file.addEventListener('change', () => {
    takeFile(sink, ui.file.files?.[0]);
    ui.file.value = '';
  });
};

export const dropOnPage: ImageSource = (sink) => {
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
    if (files && files.length) takeFile(sink, files[0]);
    else sink.refuse('Nothing to open in what was dropped (drop an image file). The previous image is kept.');
  });
};

export const pasteFromClipboard: ImageSource = (sink) => {
  window.addEventListener('paste', (e) => {
    const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file');
    if (item) takeFile(sink, item.getAsFile());
  });
};

/** The sample shown at start; a page served without it simply starts with no image. */
export const bundledSample: ImageSource = async (sink) => {
  const res = await fetch(SAMPLE.url);
  if (res.ok) sink.take(await res.blob(), SAMPLE.name);
};
