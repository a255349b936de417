//! The pbbp2 frame: the protobuf message every long-connection WebSocket message carries.

use prost::Message;

use super::WsError;

/// `Frame.method` of control frames (ping, pong).
pub const METHOD_CONTROL: i32 = 0;
/// `Frame.method` of data frames (events, cards).
pub const METHOD_DATA: i32 = 1;

/// Header keys the platform uses.
pub mod header {
    /// The message type: `event`, `card`, `ping` or `pong`.
    pub const TYPE: &str = "type";
    /// The id shared by every fragment of one message.
    pub const MESSAGE_ID: &str = "message_id";
    /// How many fragments the message has.
    pub const SUM: &str = "sum";
    /// The fragment's position, from 0.
    pub const SEQ: &str = "seq";
    /// The platform's trace id, for logs.
    pub const TRACE_ID: &str = "trace_id";
    /// The handler's time in milliseconds, set on the ack.
    pub const BIZ_RT: &str = "biz_rt";
}

/// A `pbbp2.Header`: one key/value pair of a frame.
#[derive(Clone, PartialEq, Eq, Message)]
pub struct Header {
    /// The key.
    #[prost(string, required, tag = "1")]
    pub key: String,
    /// The value.
    #[prost(string, required, tag = "2")]
    pub value: String,
}

/// A `pbbp2.Frame` (proto2). Fields 1–4 are `required`, so they are encoded even when 0, as
/// the platform expects.
#[derive(Clone, PartialEq, Eq, Message)]
pub struct Frame {
    /// `SeqID`.
    #[prost(uint64, required, tag = "1")]
    pub seq_id: u64,
    /// `LogID`.
    #[prost(uint64, required, tag = "2")]
    pub log_id: u64,
    /// The service id (from the connection URL's `service_id`).
    #[prost(int32, required, tag = "3")]
    pub service: i32,
    /// [`METHOD_CONTROL`] or [`METHOD_DATA`].
    #[prost(int32, required, tag = "4")]
    pub method: i32,
    /// The headers, see [`header`].
    #[prost(message, repeated, tag = "5")]
    pub headers: Vec<Header>,
    /// `payload_encoding`.
    #[prost(string, optional, tag = "6")]
    pub payload_encoding: Option<String>,
    /// `payload_type`.
    #[prost(string, optional, tag = "7")]
    pub payload_type: Option<String>,
    /// The payload: event JSON, a pong's ClientConfig JSON, an ack's response JSON.
    #[prost(bytes = "vec", optional, tag = "8")]
    pub payload: Option<Vec<u8>>,
    /// `LogIDNew`.
    #[prost(string, optional, tag = "9")]
    pub log_id_new: Option<String>,
}

impl Frame {
    /// Decodes a frame; any bytes that are not one are an `Err`, never a panic.
    pub fn decode_bytes(bytes: &[u8]) -> Result<Self, WsError> {
        Frame::decode(bytes).map_err(|e| WsError::Frame(e.to_string()))
    }

    /// The frame as protobuf bytes.
    pub fn encode_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }

    /// A ping for the connection's service.
    pub fn ping(service: i32) -> Self {
        Frame {
            seq_id: 0,
            log_id: 0,
            service,
            method: METHOD_CONTROL,
            headers: vec![Header {
                key: header::TYPE.to_owned(),
                value: "ping".to_owned(),
            }],
            payload_encoding: None,
            payload_type: None,
            payload: None,
            log_id_new: None,
        }
    }

    /// The value of the first header named `key`.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.key == key)
            .map(|h| h.value.as_str())
    }

    /// Sets header `key` to `value`, replacing an existing one.
    pub fn set_header(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.headers.iter_mut().find(|h| h.key == key) {
            Some(h) => h.value = value,
            None => self.headers.push(Header {
                key: key.to_owned(),
                value,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut frame = Frame::ping(7);
        frame.method = METHOD_DATA;
        frame.seq_id = 42;
        frame.log_id = u64::MAX;
        frame.set_header(header::MESSAGE_ID, "m1");
        frame.payload = Some(b"{\"a\":1}".to_vec());
        frame.log_id_new = Some("x".into());
        let bytes = frame.encode_bytes();
        assert_eq!(Frame::decode_bytes(&bytes).unwrap(), frame);
    }

    #[test]
    fn zero_fields_one_to_four_are_encoded() {
        // Hand-built: SeqID=0, LogID=0, service=0, method=0, headers=[type=ping].
        let expected: Vec<u8> = vec![
            0x08, 0x00, // 1: varint 0
            0x10, 0x00, // 2: varint 0
            0x18, 0x00, // 3: varint 0
            0x20, 0x00, // 4: varint 0
            0x2a, 0x0c, // 5: length 12
            0x0a, 0x04, b't', b'y', b'p', b'e', // key
            0x12, 0x04, b'p', b'i', b'n', b'g', // value
        ];
        assert_eq!(Frame::ping(0).encode_bytes(), expected);
        assert_eq!(Frame::decode_bytes(&expected).unwrap(), Frame::ping(0));
    }

    #[test]
    fn decodes_a_hand_built_data_frame() {
        let mut bytes = vec![0x08, 0x05, 0x10, 0x09, 0x18, 0x03, 0x20, 0x01];
        bytes.extend([0x2a, 0x0d, 0x0a, 0x04]);
        bytes.extend(b"type");
        bytes.extend([0x12, 0x05]);
        bytes.extend(b"event");
        bytes.extend([0x42, 0x02]);
        bytes.extend(b"{}");
        let frame = Frame::decode_bytes(&bytes).unwrap();
        assert_eq!((frame.seq_id, frame.log_id, frame.service), (5, 9, 3));
        assert_eq!(frame.method, METHOD_DATA);
        assert_eq!(frame.header(header::TYPE), Some("event"));
        assert_eq!(frame.payload.as_deref(), Some(&b"{}"[..]));
    }

    #[test]
    fn garbage_and_truncated_bytes_are_errors() {
        let good = {
            let mut f = Frame::ping(3);
            f.payload = Some(vec![1; 40]);
            f.encode_bytes()
        };
        for len in 0..good.len() {
            // Every prefix either decodes or errs; none panics.
            let _ = Frame::decode_bytes(&good[..len]);
        }
        assert!(Frame::decode_bytes(&good[..good.len() - 1]).is_err());
        assert!(Frame::decode_bytes(&[0xff; 16]).is_err());
        assert!(Frame::decode_bytes(&[0x2a, 0x80]).is_err());
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let mut junk = vec![0u8; (state % 64) as usize];
            for b in &mut junk {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state as u8;
            }
            let _ = Frame::decode_bytes(&junk);
        }
    }
}
