//! The full fault suite: 10,000 message sends at concurrency 64 with about 2 % of requests hit
//! by each kind of fault; prints the audit table.
//!
//! ```text
//! cargo bench -p lark-tests --bench fault_suite
//! ```

use std::time::Duration;

use lark_tests::fault_suite::{Plan, run};

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let plan = Plan {
        sends: 10_000,
        concurrency: 64,
        fault_rate: 0.02,
        seed: 2026,
        expire_tokens_every: Duration::from_secs(1),
        time_limit: Duration::from_secs(600),
    };
    let report = run(&plan).await;
    println!("{report}");
    if report.duplicates > 0 || report.losses > 0 {
        eprintln!("FAILED: duplicates or silent losses");
        std::process::exit(1);
    }
}
