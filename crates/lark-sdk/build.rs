//! Writes `$OUT_DIR/readme_usage.md`: the "Usage" section of the repository's README, which
//! `src/lib.rs` turns into a doc test (`cfg(doctest)` only: nothing of it reaches the library).
//!
//! Its Rust block is compiled by every `cargo test --doc` (`no_run`) and run only when
//! `LARK_SDK_README_RUN` is set (scripts/readme-usage.sh, against lark-mock). Outside the
//! repository (the published crate) the file is empty.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-env-changed=LARK_SDK_README_RUN");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("readme_usage.md");
    let run = std::env::var_os("LARK_SDK_README_RUN").is_some_and(|v| !v.is_empty());
    let usage = match repository_readme(&manifest_dir) {
        Some(readme) => {
            let usage = usage_section(&readme, run);
            assert!(
                usage.contains("```rust"),
                "README.md has no `## Usage` section with a ```rust block for the doc test"
            );
            usage
        }
        None => String::new(),
    };
    std::fs::write(&out, usage).expect("OUT_DIR is writable");
}

/// The README two levels up, when this crate is `crates/lark-sdk` of the repository.
fn repository_readme(manifest_dir: &Path) -> Option<String> {
    let root = manifest_dir.join("../..");
    let ourselves = root.join("crates/lark-sdk").canonicalize().ok()?;
    if ourselves != manifest_dir.canonicalize().ok()? {
        return None;
    }
    let readme = root.join("README.md");
    println!("cargo::rerun-if-changed={}", readme.display());
    std::fs::read_to_string(readme).ok()
}

/// From the `## Usage` heading to the next `## ` heading; `rust` fences become `rust,no_run`
/// unless `run`.
fn usage_section(readme: &str, run: bool) -> String {
    let mut section = String::new();
    let mut inside = false;
    for line in readme.lines() {
        if line.starts_with("## ") {
            if inside {
                break;
            }
            inside = line.trim() == "## Usage";
        }
        if !inside {
            continue;
        }
        match line.strip_prefix("```rust") {
            Some(attributes) if !run && !attributes.contains("no_run") => {
                section.push_str("```rust,no_run");
                section.push_str(attributes);
            }
            _ => section.push_str(line),
        }
        section.push('\n');
    }
    section
}
