//! Typed endpoints, by service.
//!
//! A hand-written starter set; `lark-codegen` replaces this module with every endpoint of the
//! spec.

pub mod chat;
pub mod contact;
pub mod message;
