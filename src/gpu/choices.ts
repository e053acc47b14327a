// Which of ToMe's design choices (src/core/tome.ts: DesignChoices) the WebGPU engine runs; the
// backend choice asks here before loading the engine, so a setting it does not run goes to a
// backend that does, and the engine refuses it in one line when asked by name.
import { choicesRefusal, OFFICIAL_ONLY, type ChoiceSupport, type DesignChoices } from '../core/tome';

export const ENGINE_CHOICES: ChoiceSupport = OFFICIAL_ONLY;

export function engineChoicesRefusal(settings: Array<Partial<DesignChoices>>): string | null {
  return choicesRefusal('the WebGPU engine', ENGINE_CHOICES, settings);
}
