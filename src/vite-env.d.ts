// The build-time settings the page and its worker read from import.meta.env (Vite fills them
// from the environment or .env files; README, "Running it").
interface ImportMetaEnv {
  /** Hugging Face endpoint for hub models, and the hosts its downloads redirect to (headers.ts). */
  readonly VITE_HF_ENDPOINT?: string;
  readonly VITE_HF_DOWNLOAD_HOSTS?: string;
  /** GPU memory the engine may count on, in MiB (open-backend.ts). */
  readonly VITE_GPU_MEMORY_MB?: string;
}
