//! Where popwatch keeps its files: the platform's config and data directories
//! (`directories::ProjectDirs`), the data directory overridable for tests and portable use.

use std::path::PathBuf;

use directories::ProjectDirs;

/// Overrides the data directory (logs, and the history database once it exists).
pub const DATA_DIR_ENV: &str = "POPWATCH_DATA_DIR";

pub fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "popwatch")
}

/// `POPWATCH_DATA_DIR`, else the platform data directory (e.g. `~/.local/share/popwatch`).
pub fn data_dir() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
}
