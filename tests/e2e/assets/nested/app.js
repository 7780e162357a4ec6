// Loaded as a module file under the default Content-Security-Policy: calls a service and listens for a push.
window.__assets = { touched: null, pushed: null };
host.on("e2e.assets", (payload) => { window.__assets.pushed = payload; });
host.services.probe.touch().then((count) => { window.__assets.touched = count; });
