#![doc = include_str!("../README.md")]

pub mod diagnostic;
pub mod source;
pub mod syntax;
