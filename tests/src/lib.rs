//! Integration tests of the SDK against lark-mock.
