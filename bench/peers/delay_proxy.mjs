// A loopback JSON-RPC proxy that adds a fixed delay to every HTTP request (a nearby public
// endpoint's round trip) and counts requests and JSON-RPC calls. GET /__stats answers the
// counts and resets them. Prints its URL on stdout.
// Usage: node delay_proxy.mjs UPSTREAM_URL DELAY_MS
import { createServer } from "node:http";

const [upstream, delayArg] = process.argv.slice(2);
const delay = Number(delayArg);
let requests = 0;
let calls = 0;

const server = createServer(async (req, res) => {
  if (req.method === "GET" && req.url === "/__stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ requests, calls }));
    requests = 0;
    calls = 0;
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  requests += 1;
  try {
    const parsed = JSON.parse(body.toString("utf8"));
    calls += Array.isArray(parsed) ? parsed.length : 1;
  } catch {}
  await new Promise((r) => setTimeout(r, delay));
  const answer = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
  const bytes = Buffer.from(await answer.arrayBuffer());
  res.writeHead(answer.status, { "content-type": "application/json", "content-length": bytes.length });
  res.end(bytes);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}`);
});
