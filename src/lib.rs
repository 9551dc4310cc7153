//! understudy: an OpenAPI mock server and contract-test tool.
//!
//! Data flows one way: [`load`] (files to documents) → [`contract`] (compiled once) →
//! [`generate`] and [`mock`] (the engine, no sockets) → front ends ([`http`], [`commands`]).

pub mod checker;
pub mod cli;
pub mod commands;
pub mod contract;
pub mod generate;
pub mod headers;
pub mod http;
pub mod json_text;
pub mod load;
pub mod media;
pub mod mock;
pub mod pointer;
pub mod proxy;
pub mod recording;
pub mod report;
pub mod sequence;
pub mod state;
pub mod validate;
pub mod violation;
