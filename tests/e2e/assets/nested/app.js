// Loaded as a module file under the default Content-Security-Policy: calls a service and listens for a push. It calls
// a method without shared state (not `probe.touch`, whose count other tests read).
window.__assets = { touched: null, pushed: null };
host.on("e2e.assets", (payload) => { window.__assets.pushed = payload; });
host.services.probe.measure(new Uint8Array([1, 2])).then((measured) => { window.__assets.touched = measured; });
