// alerts_panel.js — the monitoring panel of the dashboard (open alerts,
// fire danger, warnings); filled by the monitoring feature.
export async function alertsPanel() { return null; }
