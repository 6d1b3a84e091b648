const STYLE = `
.live-head { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; }
.live-head h1 { margin: 0; }
.live-layout { display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 1rem; align-items: start; margin-top: 1rem; }
.live-stage { display: grid; gap: .5rem; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); background: #1d2330; border-radius: 8px; padding: .5rem; min-height: 240px; }
.live-stage video { width: 100%; aspect-ratio: 16 / 9; background: #000; border-radius: 6px; object-fit: contain; }
.live-stage.focused { grid-template-columns: minmax(0, 1fr) minmax(140px, 25%); align-content: start; }
.live-stage.focused > .tile { grid-column: 2; }
.live-stage.focused > .tile.focus { grid-column: 1; }
.live-stage .tile { position: relative; }
.live-stage .tile.pinned { outline: 2px solid #ffd43b; outline-offset: 2px; border-radius: 6px; }
.tile-actions { position: absolute; top: .35rem; right: .35rem; display: flex; gap: .25rem; }
.tile:fullscreen { background: #000; display: flex; align-items: center; justify-content: center; }
.tile:fullscreen video { width: 100%; height: 100%; aspect-ratio: auto; border-radius: 0; }
.share-banner { display: flex; align-items: center; gap: .75rem; padding: .5rem .75rem; background: #fff3bf; color: #1d2330; border-radius: 6px; margin-bottom: .5rem; }
.share-banner video { width: 160px; aspect-ratio: 16 / 9; background: #000; border-radius: 4px; }
.share-banner strong { flex: 1; }
.device-picker { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem .6rem; margin-top: .6rem; }
.device-picker select { max-width: 14rem; }
.hand-count { background: #ffe066; color: #1d2330; font-weight: 600; }
ol.hands { margin: 0 0 .5rem; padding-left: 1.4rem; }
.farewell { margin-top: 1rem; }
.farewell-actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
.room-tabs { display: none; }
.room-tabs [role="tab"].unread::after { content: " •"; color: #e03131; }
.live-stage .tile span { position: absolute; left: .4rem; bottom: .4rem; background: rgba(0,0,0,.6); color: #fff; font-size: .8em; padding: .05rem .4rem; border-radius: 4px; }
.live-stage .placeholder { color: #c8ccd8; padding: 2rem; text-align: center; grid-column: 1 / -1; }
.live-controls { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .75rem; }
.live-side { display: grid; gap: 1rem; }
.live-side h2 { font-size: 1rem; margin: 0 0 .5rem; }
#participants li { display: flex; flex-wrap: wrap; align-items: center; gap: .3rem; padding: .3rem 0; border-bottom: 1px solid #eef0f5; }
#participants li .name { flex: 1; }
#participants li .hand { font-size: 1.1em; }
#chat-log { max-height: 320px; overflow-y: auto; margin: 0 0 .5rem; }
#chat-log li { padding: .2rem 0; }
#chat-log .author { font-weight: 600; margin-right: .3rem; }
#chat-log .pending { opacity: .7; }
#chat-log .sending { font-size: .8em; margin-right: .3rem; font-style: italic; }
#chat-log time { color: #6b7385; font-size: .8em; margin-right: .3rem; }
.chat-form { display: flex; gap: .4rem; }
.chat-form input { flex: 1; min-width: 0; }
#watch-notice { padding: .5rem .8rem; border-radius: 6px; background: #e7f0ff; margin: .5rem 0; }
.live-stage .audience-tile { grid-column: 1 / -1; }
#live-message:empty { display: none; }
#live-message { padding: .6rem .8rem; border-radius: 6px; background: #fff3bf; margin: .5rem 0; }
#live-message.error { background: #ffe3e3; color: #a61e1e; }
@media (max-width: 800px) { .live-layout { grid-template-columns: 1fr; } }
@media (max-width: 640px) {
  .room-tabs { display: flex; gap: .25rem; position: sticky; top: 0; z-index: 2; background: var(--bg); padding: .25rem 0; }
  .room-tabs [role="tab"] { flex: 1; background: var(--secondary-bg); color: var(--text); }
  .room-tabs [role="tab"][aria-selected="true"] { background: var(--accent); color: var(--accent-text); }
  .live-layout { margin-top: .5rem; }
  .live-layout[data-tab="video"] > .live-side,
  .live-layout[data-tab="chat"] > [data-panel="video"], .live-layout[data-tab="chat"] [data-panel="people"],
  .live-layout[data-tab="people"] > [data-panel="video"], .live-layout[data-tab="people"] [data-panel="chat"] { display: none; }
  .live-stage.focused { grid-template-columns: 1fr; }
  .live-stage.focused > .tile { grid-column: auto; }
  .live-stage.focused > .tile.focus { order: -1; grid-row: auto !important; }
  #chat-log { max-height: 55vh; }
}
`;

export function injectStyle(): void {
  if (document.getElementById('live-page-style')) return;
  const style = document.createElement('style');
  style.id = 'live-page-style';
  style.textContent = STYLE;
  document.head.append(style);
}
