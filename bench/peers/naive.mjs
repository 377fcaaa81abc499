// The naive peer: what a user might write first. One balanceOf eth_call and one eth_getBalance
// per wallet, one after the other. Balances only.
// Usage: node naive.mjs RPC_URL TOKEN WALLETS_JSON
import { readFileSync } from "node:fs";
import { createPublicClient, http, erc20Abi } from "viem";

const [url, token, walletsFile] = process.argv.slice(2);
const wallets = JSON.parse(readFileSync(walletsFile, "utf8"));
const client = createPublicClient({ transport: http(url, { batch: false, retryCount: 0 }) });

const started = performance.now();
let total = 0n;
for (const address of wallets) {
  const pop = await client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [address] });
  const eth = await client.getBalance({ address });
  total += pop + eth;
}
const ms = performance.now() - started;
console.log(JSON.stringify({ peer: "naive", wallets: wallets.length, ms, checksum: total.toString() }));
