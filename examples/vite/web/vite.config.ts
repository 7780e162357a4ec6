import { defineConfig } from "vitest/config";

export default defineConfig({
  // The address the app's `--dev` mode waits for and shows (examples/vite/main.rs): fixed, so both agree.
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  build: { outDir: "dist", emptyOutDir: true },
  // Unit tests run in Node against the generated mocks: no browser, no WebView, no Rust.
  test: { environment: "node", include: ["src/**/*.test.ts"], setupFiles: ["src/test-setup.ts"] },
});
