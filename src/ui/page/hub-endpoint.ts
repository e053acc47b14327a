// The hub the page downloads models from: https://huggingface.co, or the endpoint the build was
// pointed at (VITE_HF_ENDPOINT, as headers.ts reads it for the CSP, which allows exactly it).
import { hubConnection } from './headers';

export const HUB_ENDPOINT = hubConnection(import.meta.env).endpoint;
