/** WebSocket close codes of the live room's signaling socket; the page decides from them whether to rejoin. */
export const CLOSE_CODES = {
  replaced: 4000,
  removed: 4001,
  ended: 4002,
  serverClosing: 4003,
  unauthenticated: 4401,
  forbidden: 4403,
  notFound: 4404,
  notStarted: 4409,
  classOver: 4410,
} as const;
