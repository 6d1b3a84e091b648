import { api, type Me } from '../api';
import { el, render } from '../dom';

interface JoinInfo { provider: string; url: string | null; serverUrl?: string; roomName?: string; token?: string; canPublish?: boolean }

/** `/live/{id}`: Aula's own room for native classes, the LiveKit room for LiveKit classes, the provider's link otherwise. */
export async function renderLiveEntry(target: HTMLElement, me: Me, liveClassId: string): Promise<void> {
  let join: JoinInfo;
  try {
    join = await api<JoinInfo>('GET', `/api/v1/live-classes/${encodeURIComponent(liveClassId)}/join`);
  } catch {
    // Ended, unknown, or not yours: Aula's room page explains each of these itself.
    return (await import('./live')).renderLivePage(target, me, liveClassId);
  }
  if (join.provider === 'native') return (await import('./live')).renderLivePage(target, me, liveClassId);
  if (join.provider === 'livekit' && join.serverUrl && join.roomName && join.token) {
    const staff = me.role !== 'student';
    return (await import('./livekit-room')).renderLiveKitRoom(target, me, liveClassId, { provider: 'livekit', serverUrl: join.serverUrl, roomName: join.roomName, token: join.token, canPublish: join.canPublish === true }, staff);
  }
  render(target, el('h1', {}, 'Live class'), join.url ? el('p', {}, el('a', { href: join.url, rel: 'noopener' }, `Join the class in ${join.provider}`)) : el('p', {}, 'This class is held outside Aula.'));
}
