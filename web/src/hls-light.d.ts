// hls.js ships its light build (no alternate audio, subtitles or DRM, which Aula's streams do not use) without a
// declaration of its own; its API is the full build's.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
