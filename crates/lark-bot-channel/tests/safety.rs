//! Safety: per-chat order with chats in parallel, bursts merged, stale messages dropped,
//! re-deliveries handled once, the ack sent before a slow handler ends.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Msg, now_millis, start, wait_until};
use lark_bot_channel::{ChannelMessage, Policy, RejectReason};

const CHATS: usize = 50;
const PER_CHAT: usize = 8;
const HANDLER_TIME: Duration = Duration::from_millis(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_chat_in_order_chats_in_parallel() {
    let handled: Arc<Mutex<HashMap<String, Vec<usize>>>> = Arc::default();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let per_chat_overlap = Arc::new(AtomicUsize::new(0));
    let busy_chats: Arc<Mutex<HashMap<String, bool>>> = Arc::default();
    let (h, f, m, o, b) = (
        Arc::clone(&handled),
        Arc::clone(&in_flight),
        Arc::clone(&max_in_flight),
        Arc::clone(&per_chat_overlap),
        Arc::clone(&busy_chats),
    );
    let bot = start(move |builder| {
        builder
            .policy(Policy::new().require_mention(false))
            .on_message(move |msg: ChannelMessage, _| {
                let (h, f, m, o, b) = (
                    Arc::clone(&h),
                    Arc::clone(&f),
                    Arc::clone(&m),
                    Arc::clone(&o),
                    Arc::clone(&b),
                );
                async move {
                    if b.lock().unwrap().insert(msg.chat_id.clone(), true) == Some(true) {
                        o.fetch_add(1, Ordering::SeqCst);
                    }
                    let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(HANDLER_TIME).await;
                    let seq: usize = msg.text.parse()?;
                    h.lock()
                        .unwrap()
                        .entry(msg.chat_id.clone())
                        .or_default()
                        .push(seq);
                    f.fetch_sub(1, Ordering::SeqCst);
                    b.lock().unwrap().insert(msg.chat_id, false);
                    Ok(())
                }
            })
    })
    .await;

    let started = Instant::now();
    for seq in 0..PER_CHAT {
        for chat in 0..CHATS {
            let msg = Msg::text(
                &format!("om_{chat}_{seq}"),
                &format!("oc_{chat}"),
                "group",
                &seq.to_string(),
            );
            bot.deliver(&msg.event()).await;
        }
    }
    let delivered_in = started.elapsed();
    wait_until(|| {
        handled
            .lock()
            .unwrap()
            .values()
            .map(Vec::len)
            .sum::<usize>()
            == CHATS * PER_CHAT
    })
    .await;
    let elapsed = started.elapsed();

    let handled = handled.lock().unwrap();
    assert_eq!(handled.len(), CHATS);
    for (chat, seqs) in handled.iter() {
        assert_eq!(
            *seqs,
            (0..PER_CHAT).collect::<Vec<_>>(),
            "chat {chat} out of order"
        );
    }
    assert_eq!(
        per_chat_overlap.load(Ordering::SeqCst),
        0,
        "two handlers ran at once in one chat"
    );
    let max = max_in_flight.load(Ordering::SeqCst);
    assert!(
        max >= 5,
        "chats ran concurrently: at most {max} handlers at once"
    );
    // One chat after another would take CHATS * PER_CHAT * HANDLER_TIME = 8 s.
    let serial = HANDLER_TIME * u32::try_from(CHATS * PER_CHAT).unwrap();
    assert!(
        elapsed < serial / 2,
        "{elapsed:?} for {} messages",
        CHATS * PER_CHAT
    );
    println!(
        "{} messages in {CHATS} chats: delivered and acked in {delivered_in:?}, all handled in \
         {elapsed:?} (serially {serial:?}); at most {max} handlers at once",
        CHATS * PER_CHAT
    );
}

#[tokio::test]
async fn a_burst_from_one_sender_is_merged() {
    let handled: Arc<Mutex<Vec<ChannelMessage>>> = Arc::default();
    let sink = Arc::clone(&handled);
    let bot = start(|b| {
        b.policy(Policy::new().require_mention(false))
            .merge_window(Duration::from_millis(400))
            .on_message(move |m, _| {
                let sink = Arc::clone(&sink);
                async move {
                    sink.lock().unwrap().push(m);
                    Ok(())
                }
            })
    })
    .await;
    for (id, text) in [("om_1", "first"), ("om_2", "second"), ("om_3", "third")] {
        bot.deliver(&Msg::group(id, text).sender("ou_ann").event())
            .await;
    }
    bot.deliver(&Msg::group("om_4", "from bob").sender("ou_bob").event())
        .await;
    wait_until(|| handled.lock().unwrap().len() == 2).await;
    let handled = handled.lock().unwrap();
    assert_eq!(handled[0].message_id, "om_1");
    assert_eq!(handled[0].text, "first\nsecond\nthird");
    assert_eq!(handled[0].merged_ids, ["om_2", "om_3"]);
    assert_eq!(handled[1].text, "from bob");
    assert!(handled[1].merged_ids.is_empty());
}

#[tokio::test]
async fn a_stale_message_is_dropped() {
    let handled: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&handled);
    let bot = start(|b| {
        b.max_age(Duration::from_secs(60)).on_message(move |m, _| {
            let sink = Arc::clone(&sink);
            async move {
                sink.lock().unwrap().push(m.message_id);
                Ok(())
            }
        })
    })
    .await;
    let now = now_millis();
    bot.deliver(
        &Msg::dm("om_old", "from before the reconnect")
            .create_time(now - 5 * 60_000)
            .event(),
    )
    .await;
    bot.deliver(&Msg::dm("om_new", "fresh").create_time(now).event())
        .await;
    wait_until(|| handled.lock().unwrap().len() == 1 && bot.rejected().len() == 1).await;
    assert_eq!(*handled.lock().unwrap(), ["om_new"]);
    let rejected = bot.rejected();
    assert_eq!(rejected[0].message_id.as_deref(), Some("om_old"));
    assert!(
        matches!(rejected[0].reason, RejectReason::Stale { age_millis } if age_millis >= 5 * 60_000)
    );
}

#[tokio::test]
async fn a_redelivered_event_is_handled_once() {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    let bot = start(|b| {
        b.on_message(move |_, _| {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        })
    })
    .await;
    let event = Msg::dm("om_1", "once").event_id("ev_same").event();
    for _ in 0..3 {
        bot.deliver(&event).await; // each acked 200: the re-deliveries as duplicates
    }
    bot.deliver(&Msg::dm("om_2", "another").event_id("ev_other").event())
        .await;
    wait_until(|| count.load(Ordering::SeqCst) == 2).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_ack_does_not_wait_for_a_slow_handler() {
    let (release, released) = tokio::sync::watch::channel(false);
    let started = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (s, f) = (Arc::clone(&started), Arc::clone(&finished));
    let bot = start(move |b| {
        b.on_message(move |_, _| {
            let (s, f, mut released) = (Arc::clone(&s), Arc::clone(&f), released.clone());
            async move {
                s.fetch_add(1, Ordering::SeqCst);
                // Longer than the platform's 3 s ack deadline unless released.
                let _ =
                    tokio::time::timeout(Duration::from_secs(8), released.wait_for(|r| *r)).await;
                f.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        })
    })
    .await;
    let delivered = bot.deliver(&Msg::dm("om_slow", "think hard").event()).await;
    assert!(
        delivered.answers[0].elapsed < Duration::from_secs(1),
        "{delivered:?}"
    );
    wait_until(|| started.load(Ordering::SeqCst) == 1).await;
    assert_eq!(
        finished.load(Ordering::SeqCst),
        0,
        "acked while the handler still runs"
    );
    release.send(true).unwrap();
    wait_until(|| finished.load(Ordering::SeqCst) == 1).await;
}

#[tokio::test]
async fn a_panicking_handler_does_not_stall_its_chat() {
    let handled: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&handled);
    let bot = start(|b| {
        b.on_message(move |m, _| {
            let sink = Arc::clone(&sink);
            async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if m.text == "panic" {
                    panic!("the handler panics");
                }
                sink.lock().unwrap().push(m.message_id);
                Ok(())
            }
        })
    })
    .await;
    // Queued together behind a slow first one, so the panic happens with om_3 waiting.
    bot.deliver(&Msg::dm("om_1", "fine").event()).await;
    bot.deliver(&Msg::dm("om_2", "panic").event()).await;
    bot.deliver(&Msg::dm("om_3", "fine").event()).await;
    wait_until(|| handled.lock().unwrap().len() == 2).await;
    assert_eq!(*handled.lock().unwrap(), ["om_1", "om_3"]);
    assert_eq!(bot.errors(), ["the handler panicked"]);
}
