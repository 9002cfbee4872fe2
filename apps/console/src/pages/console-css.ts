/** The few rules pico's classless sheet has no element for: two columns side by side, flashes, inline forms. */
export const CONSOLE_CSS = `
main { max-width: 1400px; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.side-by-side pre, td pre { max-height: 32rem; overflow: auto; font-size: 0.8rem; margin: 0; }
form.inline { display: inline-flex; gap: 0.5rem; align-items: center; margin: 0; }
form.inline button, form.inline input, form.inline select { width: auto; margin: 0; padding: 0.3rem 0.8rem; }
nav form.inline small { white-space: nowrap; }
nav form.inline button { font-size: 0.8rem; padding: 0.2rem 0.6rem; white-space: nowrap; }
.filters { display: flex; gap: 1rem; align-items: end; flex-wrap: wrap; }
.filters label { flex: 1 1 10rem; }
.filters button { width: auto; }
.flash { padding: 0.75rem 1rem; border-radius: 0.25rem; }
.flash.ok { background: #e3f6e8; color: #135b2a; }
.flash.error { background: #fde8e8; color: #8a1c1c; }
.status-ok { color: #1a7f37; } .status-error, .status-unreachable, .status-open { color: #b42318; }
td, th { font-size: 0.9rem; vertical-align: top; }
.filters select, .filters input[type=search] { width: auto; flex: 1 1 12rem; margin: 0; }
table.history td code { font-size: 0.75rem; white-space: nowrap; }
.outcome-applied, .outcome-done { color: #1a7f37; } .outcome-failed { color: #b42318; } .outcome-stale { color: #8a6d1c; }
@media (max-width: 900px) { .side-by-side { grid-template-columns: 1fr; } }
`;
