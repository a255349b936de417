//! Joining the fragments of a message, bounded in size, count and time.

use std::collections::HashMap;

use super::{ConnectionLimits, WsError};

/// Messages waiting for fragments, by `message_id`.
#[derive(Debug, Default)]
pub(crate) struct Reassembly {
    pending: HashMap<String, Pending>,
}

#[derive(Debug)]
struct Pending {
    parts: Vec<Option<Vec<u8>>>,
    received: usize,
    bytes: usize,
    expires_at: u64,
}

impl Reassembly {
    /// Adds fragment `seq` of `sum`; returns the whole payload once every fragment is in.
    /// A fragment seen before is ignored.
    pub(crate) fn push(
        &mut self,
        message_id: &str,
        sum: usize,
        seq: usize,
        payload: Vec<u8>,
        now_millis: u64,
        limits: &ConnectionLimits,
    ) -> Result<Option<Vec<u8>>, WsError> {
        let fail = |reason: String| WsError::Fragment {
            message_id: message_id.to_owned(),
            reason,
        };
        if sum == 0 || sum > limits.max_fragments {
            return Err(fail(format!(
                "sum {sum} is outside 1..={}",
                limits.max_fragments
            )));
        }
        if seq >= sum {
            return Err(fail(format!("seq {seq} is not below sum {sum}")));
        }
        if sum == 1 {
            if payload.len() > limits.max_message_bytes {
                return Err(too_large(message_id, limits));
            }
            return Ok(Some(payload));
        }
        let stale = self
            .pending
            .get(message_id)
            .is_some_and(|p| p.expires_at <= now_millis);
        if stale {
            self.pending.remove(message_id);
        }
        if let Some(pending) = self.pending.get(message_id) {
            if pending.parts.len() != sum {
                self.pending.remove(message_id);
                return Err(fail(format!("sum changed to {sum}")));
            }
        } else if self.pending.len() >= limits.max_pending_messages {
            return Err(fail(format!(
                "{} messages are already waiting for fragments",
                self.pending.len()
            )));
        }
        let ttl = u64::try_from(limits.fragment_ttl.as_millis()).unwrap_or(u64::MAX);
        let pending = self
            .pending
            .entry(message_id.to_owned())
            .or_insert_with(|| Pending {
                parts: vec![None; sum],
                received: 0,
                bytes: 0,
                expires_at: now_millis.saturating_add(ttl),
            });
        let Some(slot) = pending.parts.get_mut(seq) else {
            return Err(fail(format!("seq {seq} is not below sum {sum}")));
        };
        if slot.is_some() {
            return Ok(None);
        }
        if pending.bytes.saturating_add(payload.len()) > limits.max_message_bytes {
            self.pending.remove(message_id);
            return Err(too_large(message_id, limits));
        }
        pending.bytes += payload.len();
        pending.received += 1;
        *slot = Some(payload);
        if pending.received < sum {
            return Ok(None);
        }
        let whole = self
            .pending
            .remove(message_id)
            .map(|p| p.parts.into_iter().flatten().flatten().collect())
            .unwrap_or_default();
        Ok(Some(whole))
    }

    /// Drops the messages whose time ran out and returns their ids.
    pub(crate) fn expire(&mut self, now_millis: u64) -> Vec<String> {
        let mut expired: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.expires_at <= now_millis)
            .map(|(id, _)| id.clone())
            .collect();
        expired.sort_unstable();
        for id in &expired {
            self.pending.remove(id);
        }
        expired
    }

    /// When the next incomplete message expires.
    pub(crate) fn next_expiry(&self) -> Option<u64> {
        self.pending.values().map(|p| p.expires_at).min()
    }

    /// How many messages wait for fragments.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }
}

fn too_large(message_id: &str, limits: &ConnectionLimits) -> WsError {
    WsError::Fragment {
        message_id: message_id.to_owned(),
        reason: format!("larger than {} bytes", limits.max_message_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_in_and_out_of_order() {
        let limits = ConnectionLimits::default();
        let mut r = Reassembly::default();
        assert_eq!(
            r.push("m", 1, 0, b"whole".to_vec(), 0, &limits).unwrap(),
            Some(b"whole".to_vec())
        );
        for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
            let parts: [&[u8]; 3] = [b"ab", b"cd", b"ef"];
            let mut out = None;
            for (i, seq) in order.iter().enumerate() {
                out = r
                    .push("m", 3, *seq, parts[*seq].to_vec(), 0, &limits)
                    .unwrap();
                assert_eq!(out.is_some(), i == 2);
            }
            assert_eq!(out.unwrap(), b"abcdef");
            assert_eq!(r.len(), 0);
        }
    }

    #[test]
    fn repeated_fragment_is_ignored() {
        let limits = ConnectionLimits::default();
        let mut r = Reassembly::default();
        assert_eq!(r.push("m", 2, 0, b"a".to_vec(), 0, &limits).unwrap(), None);
        assert_eq!(r.push("m", 2, 0, b"x".to_vec(), 0, &limits).unwrap(), None);
        assert_eq!(
            r.push("m", 2, 1, b"b".to_vec(), 0, &limits).unwrap(),
            Some(b"ab".to_vec())
        );
    }

    #[test]
    fn bounds() {
        let limits = ConnectionLimits {
            max_message_bytes: 4,
            max_fragments: 3,
            max_pending_messages: 1,
            ..ConnectionLimits::default()
        };
        let mut r = Reassembly::default();
        assert!(r.push("m", 0, 0, vec![], 0, &limits).is_err());
        assert!(r.push("m", 4, 0, vec![], 0, &limits).is_err());
        assert!(r.push("m", 2, 2, vec![], 0, &limits).is_err());
        assert!(r.push("m", 1, 0, vec![0; 5], 0, &limits).is_err());
        assert_eq!(r.push("a", 2, 0, vec![0; 3], 0, &limits).unwrap(), None);
        // Too many waiting messages.
        assert!(r.push("b", 2, 0, vec![0], 0, &limits).is_err());
        // A sum that changes drops the message.
        assert!(r.push("a", 3, 1, vec![0], 0, &limits).is_err());
        assert_eq!(r.len(), 0);
        assert_eq!(r.push("a", 2, 0, vec![0; 3], 0, &limits).unwrap(), None);
        // Over the size bound: dropped.
        assert!(r.push("a", 2, 1, vec![0; 2], 0, &limits).is_err());
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn ttl() {
        let limits = ConnectionLimits::default();
        let ttl = limits.fragment_ttl.as_millis() as u64;
        let mut r = Reassembly::default();
        assert_eq!(
            r.push("m", 2, 0, b"a".to_vec(), 1000, &limits).unwrap(),
            None
        );
        assert_eq!(r.next_expiry(), Some(1000 + ttl));
        assert!(r.expire(1000 + ttl - 1).is_empty());
        assert_eq!(r.expire(1000 + ttl), vec!["m".to_owned()]);
        assert_eq!(r.next_expiry(), None);
        // A late fragment starts over instead of completing the expired message.
        assert_eq!(
            r.push("m", 2, 1, b"b".to_vec(), 2000 + ttl, &limits)
                .unwrap(),
            None
        );
        assert_eq!(
            r.push("m", 2, 0, b"a".to_vec(), 2000 + ttl, &limits)
                .unwrap(),
            Some(b"ab".to_vec())
        );
        // An expired message not yet swept is replaced too.
        assert_eq!(r.push("n", 2, 0, b"a".to_vec(), 0, &limits).unwrap(), None);
        assert_eq!(
            r.push("n", 2, 1, b"b".to_vec(), ttl, &limits).unwrap(),
            None
        );
    }
}
