//! Which files of the built bundle are named by their content (`usher.<hash>.wasm`, where the
//! hash is the base64url MD5 that cargo-leptos's `hash-files` computes), read once at start.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use md5::{Digest, Md5};
use std::collections::HashSet;
use std::path::Path;

/// The names in `dir` whose `.<hash>.` part is the hash of the file's bytes as they are now.
pub fn named_by_content(dir: &Path) -> HashSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HashSet::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let bytes = std::fs::read(entry.path()).ok()?;
            let hash = URL_SAFE_NO_PAD.encode(Md5::digest(&bytes));
            name.split('.').any(|part| part == hash).then_some(name)
        })
        .flat_map(|name| {
            // The precompressed copies are served under the same name.
            [format!("{name}.br"), format!("{name}.gz"), name]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::named_by_content;

    #[test]
    fn only_a_name_that_matches_its_bytes_counts() {
        let dir = std::env::temp_dir().join(format!("usher-assets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // MD5("hello") in base64url without padding.
        std::fs::write(dir.join("usher.XUFAKrxLKna5cZ2REBfFkg.js"), "hello").unwrap();
        std::fs::write(
            dir.join("usher.XUFAKrxLKna5cZ2REBfFkg.wasm"),
            "changed since",
        )
        .unwrap();
        std::fs::write(dir.join("chunk_1.wasm"), "hello").unwrap();
        let found = named_by_content(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(found.contains("usher.XUFAKrxLKna5cZ2REBfFkg.js"));
        assert!(found.contains("usher.XUFAKrxLKna5cZ2REBfFkg.js.br"));
        assert!(!found.contains("usher.XUFAKrxLKna5cZ2REBfFkg.wasm"));
        assert!(!found.contains("chunk_1.wasm"));
    }
}
