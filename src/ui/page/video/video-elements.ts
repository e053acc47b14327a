// The video mode's elements in index.html (the source bar under the image, the Live card),
// looked up once by id, as elements.ts does for the rest of the page.
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export const videoUi = {
  useImage: $<HTMLButtonElement>('use-image'),
  useCamera: $<HTMLButtonElement>('use-camera'),
  cameraPick: $<HTMLSelectElement>('camera-pick'),
  file: $<HTMLInputElement>('video-file'),
  transport: $('transport'),
  play: $<HTMLButtonElement>('play'),
  seek: $<HTMLInputElement>('seek'),
  time: $<HTMLOutputElement>('video-time'),
  loop: $<HTMLInputElement>('loop'),
  record: $<HTMLButtonElement>('record'),
  recIndicator: $('rec-indicator'),
  live: $('live'),
  liveSource: $('live-source'),
  liveState: $('live-state'),
  preview: $('live-preview'),
  stats: $<HTMLTableElement>('live-stats'),
  chart: document.querySelector<SVGSVGElement>('#live-chart')!,
  altR0: $<HTMLInputElement>('alt-r0'),
  altOut: $('alt-out'),
};
