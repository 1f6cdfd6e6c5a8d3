//! The addresses of the built stylesheet (and, through Leptos, the script and WebAssembly).
//! A release build names each file by a hash of its content (`hash-files`), which lets the
//! server hand them out as immutable for a year; `hash.txt` beside the server says the names.

use leptos::prelude::LeptosOptions;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Where the build wrote the hashes of the file names, beside the running server.
pub fn hash_file(name: &str) -> Option<PathBuf> {
    Some(std::env::current_exe().ok()?.parent()?.join(name))
}

/// The `css:` hash of the build, read once.
fn css_hash(options: &LeptosOptions) -> Option<&'static str> {
    static HASH: OnceLock<Option<String>> = OnceLock::new();
    HASH.get_or_init(|| {
        let text = std::fs::read_to_string(hash_file(&options.hash_file)?).ok()?;
        text.lines()
            .find_map(|line| line.strip_prefix("css:"))
            .map(|hash| hash.trim().to_string())
    })
    .as_deref()
}

pub fn stylesheet_href(options: &LeptosOptions) -> String {
    let (pkg, name) = (&options.site_pkg_dir, &options.output_name);
    match css_hash(options).filter(|_| options.hash_files) {
        Some(hash) => format!("/{pkg}/{name}.{hash}.css"),
        None => format!("/{pkg}/{name}.css"),
    }
}
