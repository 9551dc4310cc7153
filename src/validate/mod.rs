//! Checking exchanges against the contract: requests (what `serve` enforces) and responses
//! (the mock's self-check, and the base of `validate`/`proxy`). Response check names follow
//! Schemathesis where the meaning is the same.

mod body;
mod coerce;
mod exchange;
mod params;
mod request;
mod response;

pub use crate::contract::resolve;
pub use coerce::coerce;
pub use exchange::{CheckedExchange, Failure, check_exchange, find_route, response_failures};
pub use params::{RequestParts, cookie_pairs, extract as parameter_value};
pub use request::{CheckedRequest, ObservedRequest, challenges, check_request, request_violations};
pub use response::{ObservedResponse, declared_response, response_violations};
