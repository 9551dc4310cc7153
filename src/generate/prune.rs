//! Leaving parts of a value out: what `repair` and `agree` do where no value satisfies a part
//! (an optional property or an array item the schema admits nothing for).

use serde_json::Value;

use crate::pointer::segments;

/// `value` without what `place` names, else without the nearest of its holders, whichever
/// first makes `better` true (an array item, then the array, then the property holding it);
/// `None` when no removal does.
pub fn without_nearest(
    value: &Value,
    place: &str,
    better: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let mut place = place;
    while !place.is_empty() {
        let mut trial = value.clone();
        if remove(&mut trial, place) && better(&trial) {
            return Some(trial);
        }
        place = place.rsplit_once('/').map_or("", |(parent, _)| parent);
    }
    None
}

/// Removes the property at `pointer` from the object holding it; `false` when there is none
/// (an array's item is not removed: that would move the items after it).
pub fn remove_property(value: &mut Value, pointer: &str) -> bool {
    let (Some((parent, _)), Some(name)) = (pointer.rsplit_once('/'), segments(pointer).last())
    else {
        return false;
    };
    match value.pointer_mut(parent) {
        Some(Value::Object(object)) => object.shift_remove(&name).is_some(),
        _ => false,
    }
}

/// Removes what `pointer` names from the object or array holding it; `false` when nothing
/// is there.
fn remove(value: &mut Value, pointer: &str) -> bool {
    let (Some((parent, _)), Some(last)) = (pointer.rsplit_once('/'), segments(pointer).last())
    else {
        return false;
    };
    if let Some(Value::Array(items)) = value.pointer_mut(parent) {
        return match last.parse::<usize>() {
            Ok(index) if index < items.len() => {
                items.remove(index);
                true
            }
            _ => false,
        };
    }
    remove_property(value, pointer)
}
