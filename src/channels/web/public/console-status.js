// The console page's "Refresh status" button, and a quiet refresh every 30 s while the page is visible:
// reads GET /api/status and shows each card's state and details as the server words them (textContent only).
(() => {
  const button = document.getElementById('status-refresh');
  const note = document.getElementById('status-refreshed');
  const time = document.getElementById('status-time');
  if (!button || !note || !time) return;

  async function refresh(announce) {
    const res = await fetch('/api/status', { headers: { accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) throw new Error(`status ${res.status}`);
    const status = await res.json();
    for (const card of status.cards) {
      const el = document.getElementById(`status-${card.id}`);
      if (!el) continue;
      el.dataset.state = card.state;
      const state = el.querySelector('.state');
      state.className = `state state-${card.state}`;
      state.querySelector('[aria-hidden]').textContent = card.mark;
      state.querySelector('strong').textContent = card.stateLabel;
      el.querySelector('.status-detail').textContent = card.detail;
    }
    time.dateTime = status.generatedAt;
    time.textContent = `${status.generatedAt.slice(11, 19)} UTC`;
    if (announce) note.textContent = 'Status refreshed.';
  }

  button.addEventListener('click', () => {
    note.textContent = '';
    refresh(true).catch(() => {
      note.textContent = 'Could not refresh the status; try again in a moment.';
    });
  });
  setInterval(() => {
    if (document.visibilityState === 'visible') refresh(false).catch(() => {});
  }, 30_000);
})();
