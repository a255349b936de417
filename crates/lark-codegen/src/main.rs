//! `lark-codegen`: reads the API facts and writes the generated code of the SDK.
//!
//! ```text
//! cargo run -p lark-codegen -- [--facts spec] [--check]
//! ```
//! `--check` writes nothing and exits non-zero when a committed file differs from what the
//! facts produce.

mod api;
mod events;
mod output;
mod prose;
mod ts;

use std::path::PathBuf;
use std::process::ExitCode;

/// One generator: reads the facts directory, adds files to the output.
type Step = fn(&std::path::Path, &mut output::Output) -> Result<(), String>;

fn main() -> ExitCode {
    let mut facts = None;
    let mut check = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--facts" => facts = args.next().map(PathBuf::from),
            "--check" => check = true,
            other => {
                eprintln!("lark-codegen: unknown argument `{other}`");
                return ExitCode::from(2);
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The facts live in the repository (`spec/`, refreshed by `scripts/refresh-spec.sh`).
    let facts = facts.unwrap_or_else(|| root.join("spec"));
    let mut out = output::Output::new(root, check);
    let steps: [(&str, Step); 4] = [
        ("api", api::generate),
        ("events", events::generate),
        ("ts", ts::generate),
        ("prose", prose::generate),
    ];
    for (name, step) in steps {
        if let Err(e) = step(&facts, &mut out) {
            eprintln!("lark-codegen: {name}: {e}");
            return ExitCode::FAILURE;
        }
    }
    match out.finish() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lark-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}
