// A stand-in for a front-end dev server (Vite and the like), for tests/e2e/dev_server.rs: serves one page on the port
// given as its first argument, counts the page loads it served, and logs each request.
import { createServer } from "node:http";

const port = Number(process.argv[2]);
let loads = 0;
createServer((request, response) => {
  if (request.url === "/") {
    loads += 1;
    response.writeHead(200, { "content-type": "text/html" });
    response.end(`<!doctype html><html><body><p id="load">${loads}</p><script>
      host.services.dev.ping().then((answer) => { window.__pinged = answer; });
    </script></body></html>`);
  } else {
    response.writeHead(404);
    response.end();
  }
}).listen(port, "127.0.0.1");
