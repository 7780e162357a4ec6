//! A built front end (`tests/e2e/assets`: an `index.html`, a stylesheet and a module script in a subdirectory)
//! served by `Assets::dir` under the default Content-Security-Policy.

use ipc_wry::AppHandle;
use serde_json::{json, Value};

use crate::{eval, Windows, PATIENCE};

/// The page's own files load (its module script calls a service and receives a push, so the IPC works under the
/// policy), its stylesheet applies, routes get the index, missing files 404, and the policy blocks inline scripts.
pub async fn a_built_front_end_is_served_with_its_files_routes_and_policy(
    handle: &AppHandle,
    w: &Windows,
) -> Result<(), String> {
    let window = w.assets;
    handle
        .wait_for(
            window,
            "window.__assets !== undefined && window.__assets.touched !== null",
            PATIENCE,
        )
        .await
        .map_err(|e| format!("the front end's module script never called the host: {e}"))?;
    handle
        .hub()
        .send_to_window(window, "e2e.assets", &"pushed")
        .map_err(|e| e.to_string())?;
    handle
        .wait_for(window, "window.__assets.pushed === 'pushed'", PATIENCE)
        .await
        .map_err(|e| format!("the push never reached the front end: {e}"))?;
    eval(
        handle,
        window,
        r#"window.__checks = null; (async () => {
             const status = async (path) => (await fetch(path)).status;
             const inline = document.createElement("script");
             inline.textContent = "window.__inlineRan = true;";
             document.body.append(inline);
             const root = await fetch("/");
             window.__checks = {
               color: getComputedStyle(document.getElementById("marker")).color,
               missing: await status("/nested/missing.js"),
               route: (await (await fetch("/settings/profile")).text()).includes("built front end"),
               script: (await fetch("/nested/app.js")).headers.get("content-type"),
               policy: root.headers.get("content-security-policy"),
               inlineRan: window.__inlineRan === true,
             };
           })(); true"#,
    )
    .await?;
    let text = handle
        .wait_for(window, "window.__checks", PATIENCE)
        .await
        .map_err(|e| format!("the checks never finished: {e}"))?;
    let checks: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let expected = json!({
        "color": "rgb(1, 2, 3)",
        "missing": 404,
        "route": true,
        "script": "text/javascript; charset=utf-8",
        "policy": ipc_wry::assets::DEFAULT_CSP,
        "inlineRan": false,
    });
    if checks != expected {
        return Err(format!("the front end saw {checks}"));
    }
    Ok(())
}
