// The video mode's fault lines and watchers, on stand-in event targets.
import { describe, expect, it } from 'vitest';
import { cameraErrorMessage, mediaErrorMessage, pauseWhileHidden, watchMediaErrors, watchTrackEnded } from '../../src/ui/page/video/faults';

const domError = (name: string, message = '') => Object.assign(new Error(message), { name });

describe('fault lines', () => {
  it('names each getUserMedia failure', () => {
    expect(cameraErrorMessage(domError('NotAllowedError'))).toMatch(/^Camera permission denied/);
    expect(cameraErrorMessage(domError('NotFoundError'))).toMatch(/^No camera found/);
    expect(cameraErrorMessage(domError('OverconstrainedError'))).toMatch(/^No camera found/);
    expect(cameraErrorMessage(domError('NotReadableError'))).toMatch(/another application/);
    expect(cameraErrorMessage(domError('TypeError', 'bad constraints'))).toBe('The camera could not be opened: bad constraints');
  });

  it('names each MediaError code with the file', () => {
    expect(mediaErrorMessage({ code: 4, message: '' }, 'a.mkv')).toMatch(/^a\.mkv: not a video this browser can play/);
    expect(mediaErrorMessage({ code: 3, message: 'VP9 decode' }, 'b.webm')).toBe('b.webm: the video is broken (decoding failed: VP9 decode).');
    expect(mediaErrorMessage({ code: 2, message: '' }, 'c.mp4')).toMatch(/^c\.mp4: the file could not be read/);
    expect(mediaErrorMessage({ code: 1, message: '' }, 'd.mp4')).toBe('d.mp4: loading was aborted.');
    expect(mediaErrorMessage(null, 'e.mp4')).toBe('e.mp4: the video failed to load.');
  });
});

describe('watchers', () => {
  it('reports a track that ends once, with its label', () => {
    const track = Object.assign(new EventTarget(), { label: 'USB cam' });
    const stream = { getVideoTracks: () => [track] } as unknown as MediaStream;
    const seen: string[] = [];
    const stop = watchTrackEnded(stream, (m) => seen.push(m));
    track.dispatchEvent(new Event('ended'));
    track.dispatchEvent(new Event('ended'));
    expect(seen).toEqual(['The camera stream ended (USB cam): it was unplugged or stopped. Choose a source to carry on.']);
    stop();
  });

  it('reports a video that fails while it plays, with the file, until unsubscribed', () => {
    const video = Object.assign(new EventTarget(), { error: { code: 3, message: 'VP9 frame corrupt' } }) as unknown as HTMLVideoElement;
    const seen: string[] = [];
    const stop = watchMediaErrors(video, 'clip.webm', (m) => seen.push(m));
    video.dispatchEvent(new Event('error'));
    stop();
    video.dispatchEvent(new Event('error'));
    expect(seen).toEqual(['clip.webm: the video is broken (decoding failed: VP9 frame corrupt).']);
  });

  it('pauses a running source while hidden and resumes only what it paused', () => {
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    let running = true;
    const log: string[] = [];
    const source = { running: () => running, pause: () => ((running = false), log.push('pause')), resume: () => ((running = true), log.push('resume')) };
    const stop = pauseWhileHidden(doc as unknown as Document, source);
    const set = (v: DocumentVisibilityState) => {
      doc.visibilityState = v;
      doc.dispatchEvent(new Event('visibilitychange'));
    };
    set('hidden');
    set('visible');
    expect(log).toEqual(['pause', 'resume']);
    // Paused by the user before hiding: stays paused when visible again.
    running = false;
    set('hidden');
    set('visible');
    expect(log).toEqual(['pause', 'resume']);
    stop();
    running = true;
    set('hidden');
    expect(log).toEqual(['pause', 'resume']);
  });
});
