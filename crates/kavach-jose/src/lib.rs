#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod base64;
pub mod json;
