//! Deterministic, seeded value generation from JSON Schema (the converted 2020-12 form).
//!
//! Written here rather than taken from a crate: the one candidate (`json_schema_fuzz`) is not
//! seedable per call, drags a second jsonschema, and knows neither OpenAPI's readOnly/writeOnly
//! views nor discriminators. The same `(schema, seed)` always gives the same value, and
//! [`generate_valid`] checks the result with the contract's compiled validator, retrying other
//! choices, so what the mock serves is valid under its schema.

mod agree;
mod discriminator;
mod exclusive;
mod prune;
mod repair;
mod strings;
mod valid;
mod values;

pub use agree::valid_under_all;
pub use prune::remove_property;
pub use repair::repair;
pub use valid::{NoValidValue, SATISFIABLE_SEED, generate_valid, generate_valid_dynamic};
pub use values::generate;
