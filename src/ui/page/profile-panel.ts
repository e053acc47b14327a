// The profile card: its button (WebGPU only, one profile at a time) and the last profile's
// breakdown per kernel family, per block, and ToMe's own cost. Owns the state's profile slice.
import type { ToMeOptions } from '../../core/tome';
import type { AppState } from './app-state';
import { ui } from './elements';
import { renderProfile } from './profile-view';
import { readOptions } from './tome-controls';
import type { ProfileReport, ToWorker } from '../protocol';

const PROFILE_LABEL = 'Profile this forward';

export class ProfilePanel {
  constructor(
    private readonly state: AppState,
    private readonly send: (m: ToWorker) => void,
  ) {
    ui.profile.addEventListener('click', () => this.start());
  }

  /** Enabled on WebGPU once a model and an image are ready, and while no profile runs. */
  updateButton(): void {
    const p = this.state.profile;
    const cpu = !!this.state.backend && this.state.backend.name !== 'webgpu';
    const ready = !!this.state.config && !!this.state.view;
    ui.profile.disabled = cpu || !ready || p.running;
    ui.profile.title = cpu
      ? `Profiling needs the WebGPU engine (this page runs ${this.state.backend?.description ?? 'on the CPU'})`
      : !ready
        ? 'Waiting for the model and an image'
        : p.running
          ? "Profiling: two forwards, then ToMe's dispatches timed alone"
          : 'Time every kernel of one forward at the current settings';
    ui.profile.setAttribute('aria-busy', String(p.running));
    if (p.running) {
      const spin = document.createElement('span');
      spin.className = 'spinner';
      ui.profile.replaceChildren(spin, 'Profiling…');
    } else ui.profile.textContent = PROFILE_LABEL;
  }

  done(profileId: number, opts: ToMeOptions, report: ProfileReport): void {
    const p = this.state.profile;
    if (profileId !== p.id) return;
    p.running = false;
    p.report = report;
    p.opts = opts;
    renderProfile(ui.profileOut, report, opts, p.imageName);
    this.updateButton();
  }

  failed(profileId: number, message: string): void {
    const p = this.state.profile;
    if (profileId !== p.id) return;
    p.running = false;
    p.error = message;
    ui.profileError.textContent = message;
    ui.profileError.hidden = false;
    this.updateButton();
  }

  private start(): void {
    if (ui.profile.disabled || !this.state.view) return;
    const p = this.state.profile;
    p.id++;
    p.running = true;
    p.error = null;
    p.imageName = this.state.view.name;
    ui.profileError.hidden = true;
    this.updateButton();
    this.send({ type: 'profile', profileId: p.id, opts: readOptions() });
  }
}
