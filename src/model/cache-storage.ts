// The browser's Cache Storage, where the page keeps weights (shipped shards and hub downloads)
// between visits.

/** Cache Storage exists only in secure contexts (localhost counts) and may refuse to open
 * (private modes): then there is none, and weights are fetched every time. */
export async function openCacheStorage(name: string): Promise<Cache | undefined> {
  if (typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(name);
  } catch {
    return undefined;
  }
}
