// Sizes in words, one way everywhere (the page's download progress, the worker's notes, the
// GPU budget's refusal lines).

export function formatBytes(n: number): string {
  if (n < 2 ** 10) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 30).toFixed(2)} GiB`;
}
