//! What a stateful request did to the session's objects, as `write` turns it into an answer.

use std::sync::Arc;

use serde_json::Value;

use super::fill::NotStored;
use super::shape::Page;
use crate::state::{Key, StoredObject};

pub enum Outcome {
    One(u16, Answered),
    Created(u16, Answered),
    /// A page of a list: the page's numbers and its objects as (id, compact JSON text).
    Many(u16, Page, Vec<(String, String)>),
    NotFound,
    Conflict(String),
}

impl Outcome {
    /// The one stored object answered with, if any.
    pub fn stored(&self) -> Option<&Answered> {
        match self {
            Outcome::One(_, answered) | Outcome::Created(_, answered) => Some(answered),
            _ => None,
        }
    }

    /// The object this call made, taken out for the answer's check (which then owns it rather
    /// than copying it: a copy was 1 % of a create).
    pub fn take_made(&mut self) -> Option<Value> {
        match self {
            Outcome::One(_, answered) | Outcome::Created(_, answered) => answered.made.take(),
            _ => None,
        }
    }

    /// The client's values this call did not store (see [`NotStored`]).
    pub fn take_not_stored(&mut self) -> Vec<NotStored> {
        match self {
            Outcome::One(_, answered) | Outcome::Created(_, answered) => {
                std::mem::take(&mut answered.not_stored)
            }
            _ => Vec::new(),
        }
    }
}

/// An object a create or an update made, and what of the client's it left out.
pub struct Made {
    pub value: Value,
    pub not_stored: Vec<NotStored>,
}

/// A stored object an answer is made from.
pub struct Answered {
    pub key: Key,
    pub object: Arc<StoredObject>,
    /// The object as a value, where this call made it (a create, an update): its answer is
    /// checked without parsing the stored text back.
    pub made: Option<Value>,
    /// The client's values the call did not store.
    pub not_stored: Vec<NotStored>,
}

impl Answered {
    /// An object read as it is stored.
    pub fn read(key: Key, object: Arc<StoredObject>) -> Answered {
        Answered {
            key,
            object,
            made: None,
            not_stored: Vec::new(),
        }
    }

    /// An object this call stored as `made`.
    pub fn made(key: Key, object: Arc<StoredObject>, made: Made) -> Answered {
        Answered {
            key,
            object,
            made: Some(made.value),
            not_stored: made.not_stored,
        }
    }

    pub fn text(&self) -> &str {
        self.object.text()
    }
}
