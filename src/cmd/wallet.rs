//! `popwatch wallet add|remove|list`: the watched wallets edited from the command line,
//! through [`crate::wallets`] (as the terminal app's `+` and `d` are).

use std::path::Path;
use std::process::ExitCode;

use alloy::primitives::Address;

use super::{CommandError, CommandResult};
use crate::config::{self, parse_address};
use crate::format::sanitize;
use crate::wallets::{add_to_file, remove_from_file, resolve_argument};

impl From<crate::wallets::EditError> for CommandError {
    fn from(e: crate::wallets::EditError) -> Self {
        use crate::wallets::EditError;
        match e {
            EditError::Config(e) => CommandError::Config(e),
            EditError::Refused(m) => CommandError::Usage(m),
            EditError::Failed(m) => CommandError::Runtime(m),
        }
    }
}

/// An address as the user typed it: any case of a valid address, or a mixed-case one with a
/// valid EIP-55 checksum; or an ENS name, resolved once through the config's endpoints (with
/// the name it came from).
pub fn address_argument(
    flag: Option<&Path>,
    text: &str,
) -> Result<(Address, Option<String>), CommandError> {
    if crate::sources::chain::ens::looks_like_name(text) {
        let config = config::load(flag)?.config;
        let runtime = tokio::runtime::Runtime::new()
            .map_err(|e| CommandError::Runtime(format!("cannot start the async runtime: {e}")))?;
        let resolved = runtime.block_on(resolve_argument(&config, text))?;
        if let (address, Some(name)) = &resolved {
            eprintln!("{name} resolves to {}", address.to_checksum(None));
        }
        return Ok(resolved);
    }
    parse_address(text)
        .map(|a| (a, None))
        .map_err(|e| CommandError::Usage(sanitize(&e)))
}

pub fn add(flag: Option<&Path>, address: &str, label: Option<&str>) -> CommandResult {
    let (address, name) = address_argument(flag, address)?;
    let (path, _) = config::resolve_path(flag)?;
    println!("{}", add_to_file(&path, address, name, label)?);
    Ok(ExitCode::SUCCESS)
}

pub fn remove(flag: Option<&Path>, which: &str) -> CommandResult {
    let (path, _) = config::resolve_path(flag)?;
    println!("{}", remove_from_file(&path, which)?);
    Ok(ExitCode::SUCCESS)
}

pub fn list(flag: Option<&Path>, json: bool) -> CommandResult {
    let loaded = config::load(flag)?;
    let wallets = &loaded.config.wallets;
    if json {
        let list: Vec<serde_json::Value> = wallets
            .iter()
            .map(|w| {
                serde_json::json!({"label": sanitize(&w.label), "address": w.address.to_checksum(None)})
            })
            .collect();
        let text = serde_json::to_string_pretty(&list).unwrap_or_default();
        println!("{}", crate::format::escape_json_unsafe(&text));
    } else if wallets.is_empty() {
        println!(
            "no wallet is watched yet: `popwatch wallet add <ADDRESS>` adds one to {}",
            loaded.path.display()
        );
    } else {
        for w in wallets {
            println!("{}  {}", w.address.to_checksum(None), sanitize(&w.label));
        }
    }
    Ok(ExitCode::SUCCESS)
}
