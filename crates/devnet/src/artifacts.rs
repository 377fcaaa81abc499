//! Contract bytecode for the devnet, read from `.tools/` (installed by
//! `scripts/install-test-tools`): the npm build artifacts of Uniswap, and our own contracts
//! compiled there by solcjs.

use std::path::{Path, PathBuf};

use alloy::primitives::Bytes;

use super::DevnetError;

/// `$POPWATCH_TOOLS_DIR`, else the checkout's `.tools/`.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("POPWATCH_TOOLS_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools"))
}

/// Every contract the devnet deploys, by where its artifact lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    Weth9,
    UniswapV2Factory,
    UniswapV2Router02,
    UniswapV3Factory,
    QuoterV2,
    SwapRouter,
    DevToken,
    V3LiquidityHelper,
    EnsRegistry,
    PublicResolver,
    ReverseRegistrar,
    Distributor,
    MockV3Aggregator,
}

impl Artifact {
    fn relative_path(self) -> &'static str {
        match self {
            Artifact::Weth9 => "node_modules/@uniswap/v2-periphery/build/WETH9.json",
            Artifact::UniswapV2Factory => {
                "node_modules/@uniswap/v2-core/build/UniswapV2Factory.json"
            }
            Artifact::UniswapV2Router02 => {
                "node_modules/@uniswap/v2-periphery/build/UniswapV2Router02.json"
            }
            Artifact::UniswapV3Factory => {
                "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json"
            }
            Artifact::QuoterV2 => {
                "node_modules/@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json"
            }
            Artifact::SwapRouter => {
                "node_modules/@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"
            }
            Artifact::DevToken => "contracts/DevToken.json",
            Artifact::V3LiquidityHelper => "contracts/V3LiquidityHelper.json",
            Artifact::EnsRegistry => {
                "node_modules/@ensdomains/ens/build/contracts/ENSRegistry.json"
            }
            Artifact::PublicResolver => {
                "node_modules/@ensdomains/resolver/build/contracts/PublicResolver.json"
            }
            Artifact::ReverseRegistrar => {
                "node_modules/@ensdomains/ens/build/contracts/ReverseRegistrar.json"
            }
            Artifact::Distributor => "contracts/Distributor.json",
            Artifact::MockV3Aggregator => "contracts/MockV3Aggregator.json",
        }
    }

    /// The creation bytecode.
    pub fn bytecode(self) -> Result<Bytes, DevnetError> {
        load_bytecode(&tools_dir().join(self.relative_path()))
    }
}

fn load_bytecode(path: &Path) -> Result<Bytes, DevnetError> {
    let missing = |why: String| DevnetError::Artifact {
        path: path.to_path_buf(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| missing(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| missing(e.to_string()))?;
    let hex = json["bytecode"]
        .as_str()
        .ok_or_else(|| missing("no \"bytecode\" string".to_owned()))?;
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    alloy::primitives::hex::decode(hex)
        .map(Bytes::from)
        .map_err(|e| missing(format!("bytecode is not hex: {e}")))
}
