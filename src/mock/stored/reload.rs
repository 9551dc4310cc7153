//! After a reload: stored objects that the new contract's read answer would have to make fit
//! (their resource's schema changed) are dropped, so that what is stored again follows the
//! contract being served.

use super::answers::{Place, StoredAnswer, StoredAnswers};
use super::call::{StatefulCall, storage_name};
use crate::contract::{Action, CompiledApi, Contract, Resource};
use crate::mock::generated::GeneratedValues;
use crate::mock::message::MockRequest;
use crate::state::{self, Clock, Key, Store};

/// What checking stored objects needs besides the store: how answers are made.
pub struct Answering<'a> {
    pub seed: u64,
    pub clock: &'a Clock,
    pub generated: &'a GeneratedValues,
}

impl StoredAnswers {
    /// Drops every stored object that its resource's read answer would have to make fit
    /// under `contract`, and says, per resource, how many went. Objects of resources without
    /// a read operation are not read at all.
    pub fn drop_misfits(
        &self,
        contract: &Contract,
        store: &dyn Store,
        answering: &Answering<'_>,
    ) -> Vec<String> {
        let mut said = Vec::new();
        for compiled in &contract.apis {
            let api = &compiled.api;
            for (resource_index, resource) in api.resources.iter().enumerate() {
                let read = api.operations.iter().position(|o| {
                    o.binding
                        .as_ref()
                        .is_some_and(|b| b.resource == resource_index && b.action == Action::Read)
                });
                let Some(op_index) = read else { continue };
                let storage = storage_name(&api.name, resource);
                let sessions = match store.sessions() {
                    Ok(sessions) => sessions,
                    Err(e) => {
                        said.push(format!("stored objects were not checked: {e}"));
                        return said;
                    }
                };
                let mut dropped = 0;
                for session in sessions {
                    let place = Place {
                        store,
                        session: &session,
                        ahead: None,
                    };
                    let misfits =
                        self.misfits(compiled, resource, op_index, &place, &storage, answering);
                    if misfits.is_empty() {
                        continue;
                    }
                    let removed = state::write(store, &session, |s| {
                        for key in &misfits {
                            s.remove(&storage, key);
                        }
                    });
                    match removed {
                        Ok(()) => dropped += misfits.len(),
                        Err(e) => said.push(format!("stored objects were not dropped: {e}")),
                    }
                }
                if dropped > 0 {
                    said.push(format!(
                        "{dropped} stored {} object(s) no longer fit the contract and were dropped",
                        resource.one()
                    ));
                }
            }
        }
        said
    }

    /// The keys of `resource`'s objects in the session whose answer from its read operation
    /// `op_index` would have to be made to fit (the answer then carries a log line).
    fn misfits(
        &self,
        compiled: &CompiledApi,
        resource: &Resource,
        op_index: usize,
        place: &Place<'_>,
        storage: &str,
        answering: &Answering<'_>,
    ) -> Vec<Key> {
        let keys: Vec<Key> = state::read(place.store, place.session, |s| {
            s.ordered(storage)
                .map(|(key, _)| key.into_owned())
                .collect()
        })
        .unwrap_or_default();
        let operation = &compiled.api.operations[op_index];
        let Some(binding) = operation.binding.as_ref() else {
            return Vec::new();
        };
        let request = MockRequest {
            method: "GET".into(),
            path: resource.item_path.clone(),
            ..MockRequest::default()
        };
        keys.into_iter()
            .filter(|key| {
                let params: Vec<(String, String)> = resource
                    .keys
                    .iter()
                    .cloned()
                    .zip(key.iter().cloned())
                    .collect();
                let call = StatefulCall {
                    api: compiled,
                    operation,
                    binding,
                    request: &request,
                    body_value: None,
                    params: &params,
                };
                let answer = self.answer(
                    &call,
                    place,
                    answering.seed,
                    answering.clock,
                    answering.generated,
                );
                matches!(answer, Ok(StoredAnswer::Stored(a)) if a.log.is_some())
            })
            .collect()
    }
}
