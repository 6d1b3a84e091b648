import { createLiveClassContext } from './context';
import { createRoomFit } from './room-fit';
import { createClassRunning } from './running';
import { createClassSchedule } from './schedule';
import type { LiveClassServiceDeps } from './types';
import { createClassViewing } from './viewing';

export type { JoinInfo, LiveClassProviderHooks, LiveClassServiceDeps, NewLiveClass } from './types';

/** Live classes of a batch: scheduled, seen and joined, started and ended with their recordings. */
export function createLiveClassService(deps: LiveClassServiceDeps) {
  const ctx = createLiveClassContext(deps);
  return {
    mustGet: ctx.mustGet,
    ...createClassSchedule(deps, ctx),
    ...createClassViewing(deps, ctx),
    ...createClassRunning(deps, ctx),
    ...createRoomFit(deps),
  };
}

export type LiveClassService = ReturnType<typeof createLiveClassService>;
