// The good peer: viem's multicall with its default batching (Multicall3 aggregate3, 1,024-byte
// chunks by default), balanceOf and getEthBalance for every wallet. Balances only.
// Usage: node multicall.mjs RPC_URL TOKEN WALLETS_JSON
import { readFileSync } from "node:fs";
import { createPublicClient, http, erc20Abi } from "viem";

const MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11";
const multicall3Abi = [
  { type: "function", name: "getEthBalance", stateMutability: "view", inputs: [{ name: "addr", type: "address" }], outputs: [{ name: "balance", type: "uint256" }] },
];

const [url, token, walletsFile] = process.argv.slice(2);
const wallets = JSON.parse(readFileSync(walletsFile, "utf8"));
const client = createPublicClient({ transport: http(url, { retryCount: 0 }) });

const started = performance.now();
const contracts = wallets.flatMap((address) => [
  { address: token, abi: erc20Abi, functionName: "balanceOf", args: [address] },
  { address: MULTICALL3, abi: multicall3Abi, functionName: "getEthBalance", args: [address] },
]);
const results = await client.multicall({ contracts, multicallAddress: MULTICALL3 });
let total = 0n;
for (const r of results) {
  if (r.status !== "success") throw new Error(`a call failed: ${r.error}`);
  total += r.result;
}
const ms = performance.now() - started;
console.log(JSON.stringify({ peer: "viem-multicall", wallets: wallets.length, ms, checksum: total.toString() }));
