//! File writes that never leave a half-written file behind.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same directory (written, fsynced,
/// then moved into place), creating missing directories. Without `overwrite`, an existing file
/// is refused with `AlreadyExists`, atomically: the final step is a hard link, which fails
/// rather than replace.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    if !overwrite && path.exists() {
        return Err(io::ErrorKind::AlreadyExists.into());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if overwrite {
            fs::rename(&tmp, path)
        } else {
            fs::hard_link(&tmp, path)
        }
    })();
    let _ = fs::remove_file(&tmp);
    result?;
    // Make the new directory entry durable too.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
