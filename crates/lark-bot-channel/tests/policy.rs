//! Policy: DM modes, the group allowlist, mention gating and @all, with the reasons the
//! rejected-event hook hears.

mod common;

use std::sync::{Arc, Mutex};

use common::{Msg, start, wait_until};
use lark_bot_channel::{DmMode, Policy, RejectReason};
use lark_mock::MockServer;

/// Starts a bot with `policy`, delivers `messages`, and returns the ids handled and the
/// reasons of the rejected, once every message is one or the other.
async fn run(policy: Policy, messages: &[Msg]) -> (Vec<String>, Vec<(String, RejectReason)>) {
    let handled = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&handled);
    let bot = start(|b| {
        b.policy(policy).on_message(move |m, _| {
            let sink = Arc::clone(&sink);
            async move {
                sink.lock().unwrap().push(m.message_id);
                Ok(())
            }
        })
    })
    .await;
    for m in messages {
        bot.deliver(&m.event()).await;
    }
    wait_until(|| handled.lock().unwrap().len() + bot.rejected().len() == messages.len()).await;
    let mut handled = handled.lock().unwrap().clone();
    handled.sort();
    let rejected = bot
        .rejected()
        .into_iter()
        .map(|r| (r.message_id.unwrap_or_default(), r.reason))
        .collect();
    (handled, rejected)
}

#[tokio::test]
async fn direct_messages_open_allowlisted_or_disabled() {
    let messages = [
        Msg::dm("om_ann", "hi").sender("ou_ann"),
        Msg::dm("om_bob", "hi").sender("ou_bob"),
    ];
    let (handled, rejected) = run(Policy::new(), &messages).await;
    assert_eq!(handled, ["om_ann", "om_bob"]);
    assert!(rejected.is_empty());

    let (handled, rejected) = run(Policy::new().dm(DmMode::allowlist(["ou_ann"])), &messages).await;
    assert_eq!(handled, ["om_ann"]);
    assert_eq!(
        rejected,
        [("om_bob".to_owned(), RejectReason::DmNotAllowed)]
    );

    let (handled, rejected) = run(Policy::new().dm(DmMode::Disabled), &messages).await;
    assert!(handled.is_empty());
    assert_eq!(rejected.len(), 2);
    assert!(rejected.iter().all(|(_, r)| *r == RejectReason::DmDisabled));
}

#[tokio::test]
async fn groups_need_a_mention_and_the_allowlist() {
    let other_group = Msg::text("om_other", "oc_other", "group", "@_user_1 hi").mentioning_bot();
    let messages = [
        Msg::group("om_plain", "hello everyone"),
        Msg::group("om_mention", "@_user_1 hello").mentioning_bot(),
        Msg::group("om_all", "@_all meeting at 3"),
        other_group,
    ];
    // The defaults: a mention required, @all not counting, every group.
    let (handled, rejected) = run(Policy::new(), &messages).await;
    assert_eq!(handled, ["om_mention", "om_other"]);
    let mut reasons: Vec<_> = rejected.into_iter().collect();
    reasons.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        reasons,
        [
            ("om_all".to_owned(), RejectReason::NotMentioned),
            ("om_plain".to_owned(), RejectReason::NotMentioned)
        ]
    );

    // @all counts, and only the mock's chat is allowed.
    let policy = Policy::new()
        .mention_all_counts(true)
        .group_allowlist([MockServer::CHAT_ID]);
    let (handled, rejected) = run(policy, &messages).await;
    assert_eq!(handled, ["om_all", "om_mention"]);
    assert!(rejected.contains(&("om_other".to_owned(), RejectReason::GroupNotAllowed)));
    assert!(rejected.contains(&("om_plain".to_owned(), RejectReason::NotMentioned)));

    // No mention needed.
    let (handled, _) = run(Policy::new().require_mention(false), &messages).await;
    assert_eq!(handled.len(), 4);
}
