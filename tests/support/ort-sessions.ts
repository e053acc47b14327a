// The ONNX Runtime path's sessions for tests: one ForwardSessions per golden model (its graphs are
// built once), all disposed together at the end; or, for tests that make their own (random)
// models, a new one per model, disposed after the file's tests.
import { afterAll } from 'vitest';
import { ForwardSessions } from '../../src/ort/forward';
import { ortNodeOptions } from '../../src/ort/node';
import type { ViTWeights } from '../../src/model/weights';

export async function ortSessionCache(): Promise<{
  sessionsOf: (w: ViTWeights) => ForwardSessions;
  disposeAll: () => Promise<void>;
  options: Awaited<ReturnType<typeof ortNodeOptions>>;
}> {
  const options = await ortNodeOptions();
  const sessions = new Map<string, ForwardSessions>();
  return {
    options,
    sessionsOf: (w) => {
      let s = sessions.get(w.config.id);
      if (!s) sessions.set(w.config.id, (s = new ForwardSessions(w, options.ort, options.session)));
      return s;
    },
    disposeAll: async () => {
      await Promise.all([...sessions.values()].map((s) => s.dispose()));
    },
  };
}

/** One intra-op thread by default (the tests compare results, not speed). */
export async function ortTestSessions(threads = 1): Promise<{
  options: Awaited<ReturnType<typeof ortNodeOptions>>;
  sessionsFor: (w: ViTWeights) => ForwardSessions;
}> {
  const options = await ortNodeOptions(threads);
  const all: ForwardSessions[] = [];
  afterAll(() => Promise.all(all.map((s) => s.dispose())));
  return {
    options,
    sessionsFor: (w) => {
      const s = new ForwardSessions(w, options.ort, options.session);
      all.push(s);
      return s;
    },
  };
}
