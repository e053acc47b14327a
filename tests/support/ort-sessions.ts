// The ONNX Runtime path's sessions for tests that run many golden models: one ForwardSessions
// per model (its graphs are built once), all disposed together at the end.
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
