//! One stateful call: the request and what the contract says of it.

use serde_json::Value;

use crate::contract::{Binding, CompiledApi, Operation, Resource, View};
use crate::mock::message::MockRequest;
use crate::state::Key;

/// Everything one stateful answer needs: the request and what the contract says of it (not a
/// `recording::Exchange`, which is a request and its response as recorded).
pub struct StatefulCall<'a> {
    pub api: &'a CompiledApi,
    pub operation: &'a Operation,
    pub binding: &'a Binding,
    pub request: &'a MockRequest,
    /// The request body as a value, when validating the request read it already: JSON
    /// parsed, or a form read into its schema's shape.
    pub body_value: Option<&'a Value>,
    /// Path parameters, percent-decoded.
    pub params: &'a [(String, String)],
}

impl StatefulCall<'_> {
    pub fn resource(&self) -> &Resource {
        &self.api.api.resources[self.binding.resource]
    }

    /// The name objects are stored under in a session.
    pub fn storage(&self) -> String {
        storage_name(&self.api.api.name, self.resource())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The stored object's key: the item path's parameters (`None` on a collection path).
    pub fn key(&self) -> Option<Key> {
        self.resource()
            .keys
            .iter()
            .map(|k| self.param(k).map(str::to_string))
            .collect()
    }

    pub fn document(&self) -> &Value {
        self.api.schemas.document(View::Response)
    }
}

/// The name a resource's objects are stored under in a session (`kantata:/x/{id}`): what
/// `GET /__understudy/state` shows and `--fixtures` uses.
pub fn storage_name(api_name: &str, resource: &Resource) -> String {
    format!("{api_name}:{}", resource.item_path)
}
