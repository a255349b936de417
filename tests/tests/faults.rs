//! A bounded run of the fault suite: sends under every kind of injected fault end stored
//! exactly once or as an error returned to the caller. `cargo bench -p lark-tests --bench
//! fault_suite` runs the full 10,000-send version and prints its table.

use std::time::Duration;

use lark_tests::fault_suite::{Plan, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_duplicates_and_no_silent_losses_under_faults() {
    let plan = Plan {
        sends: 600,
        concurrency: 32,
        fault_rate: 0.02,
        seed: 7,
        expire_tokens_every: Duration::from_millis(300),
        time_limit: Duration::from_secs(90),
    };
    let report = tokio::time::timeout(Duration::from_secs(120), run(&plan))
        .await
        .expect("the suite finishes in time");
    println!("{report}");
    assert_eq!(report.duplicates, 0, "{report}");
    assert_eq!(report.losses, 0, "{report}");
    let errors: usize = report.errors.values().sum();
    assert_eq!(report.successes + errors, plan.sends, "{report}");
    // The faults really happened and were really retried.
    for (kind, hits) in &report.faults {
        assert!(*hits > 0, "no {kind} fault was injected: {report}");
    }
    assert!(report.retries() > 0, "{report}");
    // Every send carries an idempotency key, so every fault is retried away.
    assert_eq!(errors, 0, "{report}");
}
