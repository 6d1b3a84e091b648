export { createPlayer } from './create-player';
export { newSessionId } from './heartbeats';
export { type PlayerHandle, type PlayerOptions, SPEEDS } from './options';
