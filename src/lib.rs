//! understudy: an OpenAPI mock server and contract-test tool.
//!
//! Data flows one way: [`load`] (files to documents) → [`contract`] (compiled once) →
//! [`generate`] and [`mock`] (the engine, no sockets) → front ends ([`http`], [`commands`]).

pub mod contract;
pub mod load;
pub mod pointer;
pub mod violation;
pub mod generate;
