// The ToMe settings form (r, schedule, reduction, proportional attention, and the "Design
// choices" card's choices): what it says, its labels, and the one callback that fires when any
// of it changes.
import type { ModelConfig } from '../../model/config';
import { numPatches, tokenLayout } from '../../model/config';
import { maxUsefulR, rPerLayer, tokenCounts, type DesignChoices, type MergeMode, type Schedule, type ToMeOptions } from '../../core/tome';
import { ui } from './elements';
import { ChoicesForm } from './choices-form';

const choiceListeners: Array<() => void> = [];
const choices = new ChoicesForm(ui.choicesA, 'a', () => choiceListeners.forEach((l) => l()));

/** r, schedule, reduction and proportional attention: what the compare view's two settings share. */
export function sharedOptions(): ToMeOptions {
  const checked = (name: string) => (document.querySelector(`input[name="${name}"]:checked`) as HTMLInputElement).value;
  return { r: Number(ui.r.value), schedule: checked('schedule') as Schedule, propAttn: ui.prop.checked, mode: checked('mode') as MergeMode };
}

/** The page's design choices that are not the official ones ({} for the official algorithm). */
export function readChoices(): Partial<DesignChoices> {
  return choices.read();
}

/** The page's setting: the shared options and the design choices that are not the official ones. */
export function readOptions(): ToMeOptions {
  return { ...sharedOptions(), ...readChoices() };
}

/** The one line against the page's design choices at the current reduction (shown in the card),
 * or null when they can run. */
export function optionsConflict(): string | null {
  return choices.check(sharedOptions().mode);
}

/** Slider label and, once a model is known, the token count r leaves after the last block. */
export function showRLabels(config: ModelConfig | null): void {
  const o = readOptions();
  ui.rOut.value = String(o.r);
  ui.r.setAttribute('aria-valuetext', `r = ${o.r}`);
  if (!config) return;
  const counts = tokenCounts(numPatches(config), rPerLayer(config.depth, o.r, o.schedule), tokenLayout(config));
  ui.rTokens.value = `${counts[config.depth]} of ${counts[0]}`;
}

/** A newly loaded model: the slider stops at the largest r that still leaves tokens to merge in
 * every block, and proportional attention starts at the model's default (on; off for
 * average-pooled models, as the official ToMe advises for them). */
export function setModelDefaults(config: ModelConfig): void {
  ui.r.max = String(maxUsefulR(numPatches(config), config.depth, tokenLayout(config)));
  ui.prop.checked = config.propAttnDefault;
}

export function onOptionsChange(listener: () => void): void {
  for (const el of document.querySelectorAll<HTMLInputElement>('input[name="schedule"], input[name="mode"]')) el.addEventListener('change', listener);
  ui.r.addEventListener('input', listener);
  ui.prop.addEventListener('change', listener);
  choiceListeners.push(listener);
}
