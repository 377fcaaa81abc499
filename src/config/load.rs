//! Finding, reading and parsing the config file, with errors that name file, line and key.

use std::fmt;
use std::path::{Path, PathBuf};

use super::locate::KeyLocator;
use super::schema::Config;
use super::types::{Secret, split_element_error};
use super::validate::validate;
use crate::format::sanitize;

/// Overrides `[market] coingecko_api_key`, so the key need not sit in a file.
pub const API_KEY_ENV: &str = "POPWATCH_COINGECKO_API_KEY";
/// Overrides the config path when `--config` is not given.
pub const CONFIG_ENV: &str = "POPWATCH_CONFIG";

/// One problem, located in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedProblem {
    pub line: usize,
    pub column: usize,
    /// Dotted key path, e.g. `wallets[1].address`; empty when the file does not parse as TOML.
    pub key: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no config file at {} (create one with `popwatch config init`)", path.display())]
    Missing { path: PathBuf },
    #[error(
        "no home directory found to keep the config in; pass --config PATH or set {CONFIG_ENV}"
    )]
    NoConfigDir,
    #[error("{}", InvalidDisplay { path, problems })]
    Invalid {
        path: PathBuf,
        problems: Vec<LocatedProblem>,
    },
    #[error("${var}: {message}")]
    Env { var: &'static str, message: String },
}

struct InvalidDisplay<'a> {
    path: &'a Path,
    problems: &'a [LocatedProblem],
}

impl fmt::Display for InvalidDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "invalid config {} ({n} problem{}):",
            self.path.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for p in self.problems {
            write!(f, "\n  {}:{}:{}: ", self.path.display(), p.line, p.column)?;
            if !p.key.is_empty() {
                write!(f, "key `{}`: ", p.key)?;
            }
            // Messages quote the user's own text back; keep escapes out of their terminal.
            write!(f, "{}", sanitize(&p.message))?;
        }
        Ok(())
    }
}

/// Where the config path came from, for `config path` and for how a missing file is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathOrigin {
    Flag,
    Env,
    Default,
}

impl fmt::Display for PathOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathOrigin::Flag => "--config",
            PathOrigin::Env => CONFIG_ENV,
            PathOrigin::Default => "default location",
        })
    }
}

/// `--config`, else `POPWATCH_CONFIG`, else `config.toml` in the platform config directory.
pub fn resolve_path(flag: Option<&Path>) -> Result<(PathBuf, PathOrigin), ConfigError> {
    if let Some(path) = flag {
        return Ok((path.to_path_buf(), PathOrigin::Flag));
    }
    if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Ok((PathBuf::from(path), PathOrigin::Env));
    }
    let dirs = crate::dirs::project_dirs().ok_or(ConfigError::NoConfigDir)?;
    Ok((dirs.config_dir().join("config.toml"), PathOrigin::Default))
}

/// Parses and validates config text; `path` is only used in messages. No environment overrides.
pub fn parse_str(source: &str, path: &Path) -> Result<Config, ConfigError> {
    // Built only when there is a problem to point at: a valid file (the usual case, at every
    // start) is not parsed a second time.
    let locator = std::cell::LazyCell::new(|| KeyLocator::new(source));
    let config: Config = toml::from_str(source).map_err(|e| {
        let mut offset = e.span().map_or(0, |s| s.start);
        let mut key = locator.path_at(offset).unwrap_or_default().to_owned();
        let mut message = e.message().trim();
        if let Some((index, rest)) = split_element_error(message) {
            key = format!("{key}[{index}]");
            offset = locator.offset_of(&key).unwrap_or(offset);
            message = rest;
        }
        let (line, column) = locator.line_col(offset);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            problems: vec![LocatedProblem {
                line,
                column,
                key,
                message: friendlier(message),
            }],
        }
    })?;
    let problems: Vec<_> = validate(&config)
        .into_iter()
        .map(|p| {
            // A problem about a key left at its default has no line of its own: point at the
            // closest enclosing key that is written in the file, or the top.
            let offset = ancestors(&p.key)
                .find_map(|k| locator.offset_of(k))
                .unwrap_or(0);
            let (line, column) = locator.line_col(offset);
            LocatedProblem {
                line,
                column,
                key: p.key,
                message: p.message,
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            problems,
        })
    }
}

/// serde's wording for a negative or fractional count ("invalid value: integer `-5`, expected
/// u64") made plain.
fn friendlier(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("invalid value: integer `")
        && let Some((value, expected)) = rest.split_once("`, expected ")
        && expected.starts_with('u')
    {
        return format!("must be a positive whole number, not {value}");
    }
    message.to_owned()
}

/// `a.b[1].c`, `a.b[1]`, `a.b`, `a`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut cuts: Vec<usize> = path
        .char_indices()
        .filter(|&(_, c)| c == '.' || c == '[')
        .map(|(i, _)| i)
        .collect();
    cuts.reverse();
    std::iter::once(path).chain(cuts.into_iter().map(move |i| &path[..i]))
}

/// Reads and validates the file at `path`, then applies environment overrides.
pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let source = std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ConfigError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let mut config = parse_str(&source, path)?;
    apply_env(&mut config)?;
    Ok(config)
}

/// The config the app runs with. A missing file at the *default* location means "not set up
/// yet": the defaults are used (the token alone, no wallets). A missing file that was named
/// explicitly is an error.
pub fn load(flag: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
    let (path, origin) = resolve_path(flag)?;
    let (config, file_found) = match load_file(&path) {
        Ok(config) => (config, true),
        Err(ConfigError::Missing { .. }) if origin == PathOrigin::Default => {
            let mut config = Config::default();
            apply_env(&mut config)?;
            (config, false)
        }
        Err(e) => return Err(e),
    };
    Ok(LoadedConfig {
        config,
        path,
        origin,
        file_found,
    })
}

/// A config and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub path: PathBuf,
    pub origin: PathOrigin,
    /// False when no file exists at the default location and the defaults are in use.
    pub file_found: bool,
}

/// Comma-separated RPC URLs that replace `[chain] rpc_urls`, so a keyed URL never has to sit
/// in a file.
pub const RPC_URLS_ENV: &str = "POPWATCH_RPC_URLS";
/// foundry's variable (`cast` reads it): one RPC URL, used when `POPWATCH_RPC_URLS` is unset.
pub const ETH_RPC_URL_ENV: &str = "ETH_RPC_URL";

/// The environment variable whose RPC URLs replace the config's, if one is set.
pub fn rpc_urls_from_env() -> Option<(&'static str, String)> {
    [RPC_URLS_ENV, ETH_RPC_URL_ENV].into_iter().find_map(|var| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (var, v))
    })
}

fn apply_env(config: &mut Config) -> Result<(), ConfigError> {
    if let Some(key) = std::env::var(API_KEY_ENV).ok().filter(|k| !k.is_empty()) {
        config.market.coingecko_api_key = Secret::new(key);
    }
    if let Some((var, text)) = rpc_urls_from_env() {
        config.chain.rpc_urls = text
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .enumerate()
            .map(|(i, u)| {
                super::RpcUrl::parse(u).map_err(|message| ConfigError::Env {
                    var,
                    message: format!("URL {}: {message}", i + 1),
                })
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(())
}
