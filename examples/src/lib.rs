//! Examples live in their own files.
