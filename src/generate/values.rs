//! Values generated from one schema: the walk over a converted (2020-12) schema that picks
//! types, branches, properties and formats with a seeded generator.

use std::collections::BTreeSet;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Number, Value, json};

use super::{discriminator, strings};
use crate::contract::{SHARED_REF_KEYWORD, View, schema_ref};
use crate::contract::{fits_scalar_keywords, has_flag};

/// Optional properties are generated down to this depth; below it only required ones.
const OPTIONAL_DEPTH: usize = 6;
/// Hard stop for recursive schemas whose recursion is required.
const MAX_DEPTH: usize = 24;

/// A value for `schema` (no validity check), resolving `$ref`s against `document`.
pub fn generate(
    document: &Value,
    schema: &Value,
    view: View,
    seed: u64,
    use_examples: bool,
) -> Value {
    let mut generator = Generator {
        document,
        view,
        rng: ChaCha8Rng::seed_from_u64(seed),
        use_examples,
        refs: Vec::new(),
    };
    generator.value(schema, 0)
}

struct Generator<'a> {
    document: &'a Value,
    view: View,
    rng: ChaCha8Rng,
    use_examples: bool,
    /// `$ref` targets being expanded, to bound recursion.
    refs: Vec<String>,
}

impl<'a> Generator<'a> {
    fn resolve(&self, reference: &str) -> &'a Value {
        discriminator::resolve(self.document, reference)
    }

    /// Whether we are expanding the same `$ref` again (recursion) or are too deep.
    fn minimal(&self, depth: usize) -> bool {
        depth >= OPTIONAL_DEPTH
            || self
                .refs
                .iter()
                .enumerate()
                .any(|(i, r)| self.refs[i + 1..].contains(r))
    }

    /// A value for `schema`; where it is a schema of a discriminated hierarchy (see
    /// [`discriminator::inherited`]), one whose discriminator names its schema.
    fn value(&mut self, schema: &Value, depth: usize) -> Value {
        let document: &'a Value = self.document;
        let Some(discriminator) = discriminator::inherited(document, schema) else {
            return self.plain_value(schema, depth);
        };
        let subtypes = discriminator::subtypes_of_base(document, schema, discriminator);
        if depth <= MAX_DEPTH && !subtypes.is_empty() {
            let subtype = subtypes[self.rng.random_range(0..subtypes.len())];
            return self.value(subtype, depth + 1);
        }
        let value = self.plain_value(schema, depth);
        discriminator::named(document, value, schema, discriminator)
    }

    fn plain_value(&mut self, schema: &Value, depth: usize) -> Value {
        let Value::Object(map) = schema else {
            // `true` (anything) or `false` (nothing): an empty object is as good as any.
            return json!({});
        };
        if depth > MAX_DEPTH {
            return self.fallback(map);
        }
        if let Some(reference) = schema_ref(schema) {
            let target = self.resolve(reference);
            self.refs.push(reference.to_string());
            let siblings: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "$ref" | SHARED_REF_KEYWORD))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let value = if siblings.keys().any(|k| is_constraint(k)) {
                let merged = json!({ "allOf": [target, Value::Object(siblings)] });
                self.value(&merged, depth + 1)
            } else {
                self.value(target, depth + 1)
            };
            self.refs.pop();
            return value;
        }
        if let Some(constant) = map.get("const") {
            return constant.clone();
        }
        // An example its own schema refuses is no value to answer with.
        if self.use_examples
            && let Some(example) = schema_example(map)
            && fits_scalar_keywords(map, example)
        {
            return example.clone();
        }
        if let Some(Value::Array(options)) = map.get("enum")
            && !options.is_empty()
        {
            let non_null: Vec<&Value> = options.iter().filter(|v| !v.is_null()).collect();
            let pool = if non_null.is_empty() {
                options.iter().collect()
            } else {
                non_null
            };
            return pool[self.rng.random_range(0..pool.len())].clone();
        }
        if map.contains_key("allOf") {
            let mut merged = self.flatten(map, 0);
            // The schema holding the `allOf` names its object (see `value`); the merged one,
            // which belongs to no hierarchy, must not choose a subtype again.
            merged.remove("discriminator");
            return self.value(&Value::Object(merged), depth + 1);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = map.get(key)
                && !branches.is_empty()
            {
                return self.one_of(map, key, branches, depth);
            }
        }
        match self.pick_type(map) {
            Some("object") => self.object(map, depth),
            Some("array") => self.array(map, depth),
            Some("string") => strings::string(map, &mut self.rng),
            Some("integer") => self.integer(map),
            Some("number") => self.number(map),
            Some("boolean") => Value::Bool(self.rng.random()),
            Some("null") => Value::Null,
            _ => json!({}),
        }
    }

    /// What to give when depth runs out: null if allowed, else the emptiest value of the type.
    fn fallback(&mut self, map: &Map<String, Value>) -> Value {
        match map.get("type") {
            Some(Value::Array(types)) if types.contains(&json!("null")) => Value::Null,
            Some(Value::String(t)) if t == "array" => json!([]),
            Some(Value::String(t)) if t == "string" => json!(""),
            _ => json!({}),
        }
    }

    fn pick_type(&self, map: &Map<String, Value>) -> Option<&'static str> {
        const TYPES: &[&str] = &[
            "object", "array", "string", "integer", "number", "boolean", "null",
        ];
        let named = |t: &str| TYPES.iter().copied().find(|known| *known == t);
        match map.get("type") {
            Some(Value::String(t)) => named(t),
            Some(Value::Array(types)) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .or_else(|| types.first().and_then(Value::as_str))
                .and_then(named),
            _ => {
                let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
                if has(&[
                    "properties",
                    "additionalProperties",
                    "required",
                    "minProperties",
                    "patternProperties",
                ]) {
                    Some("object")
                } else if has(&["items", "prefixItems", "minItems", "maxItems", "contains"]) {
                    Some("array")
                } else if has(&["pattern", "format", "minLength", "maxLength"]) {
                    Some("string")
                } else if has(&[
                    "minimum",
                    "maximum",
                    "exclusiveMinimum",
                    "exclusiveMaximum",
                    "multipleOf",
                ]) {
                    Some("number")
                } else {
                    None
                }
            }
        }
    }

    /// `map` with its `allOf` branches (and their `$ref`s) merged in.
    fn flatten(&mut self, map: &Map<String, Value>, depth: usize) -> Map<String, Value> {
        let mut merged: Map<String, Value> = map
            .iter()
            .filter(|(k, _)| k.as_str() != "allOf")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let Some(Value::Array(branches)) = map.get("allOf") else {
            return merged;
        };
        for branch in branches {
            let mut branch = branch;
            let mut hops = 0;
            while let Some(reference) = schema_ref(branch) {
                branch = self.resolve(reference);
                hops += 1;
                if hops > 16 {
                    break;
                }
            }
            let Value::Object(branch) = branch else {
                continue;
            };
            let branch = if depth < 8 {
                self.flatten(branch, depth + 1)
            } else {
                branch.clone()
            };
            merge_into(&mut merged, &branch);
        }
        merged
    }

    fn one_of(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        branches: &[Value],
        depth: usize,
    ) -> Value {
        let is_null_branch = |b: &Value| b.get("type") == Some(&json!("null"));
        let discriminator = map.get("discriminator").and_then(Value::as_object);
        let mut candidates: Vec<usize> = (0..branches.len())
            .filter(|i| !is_null_branch(&branches[*i]))
            .collect();
        // Under a discriminator, a branch its value can name: one whose property refuses its
        // own name (ExaVault's `Resource` with `type: [resource]`, no mapping) makes a value
        // no reader can map.
        if let Some(discriminator) = discriminator {
            let nameable: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| {
                    schema_ref(&branches[i]).is_some_and(|reference| {
                        discriminator::naming_value(
                            self.document,
                            self.resolve(reference),
                            discriminator,
                        )
                        .is_some()
                    })
                })
                .collect();
            if !nameable.is_empty() {
                candidates = nameable;
            }
        }
        let choice = if candidates.is_empty() {
            0
        } else {
            candidates[self.rng.random_range(0..candidates.len())]
        };
        let branch = &branches[choice];
        let rest: Map<String, Value> = map
            .iter()
            .filter(|(k, _)| k.as_str() != key && k.as_str() != "discriminator")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let schema = if rest.keys().any(|k| is_constraint(k)) {
            json!({ "allOf": [Value::Object(rest), branch] })
        } else {
            branch.clone()
        };
        let value = self.value(&schema, depth + 1);
        // The branch chosen is named as a subtype of a hierarchy is (see `named`).
        match (discriminator, schema_ref(branch)) {
            (Some(discriminator), Some(reference)) => {
                discriminator::named(self.document, value, self.resolve(reference), discriminator)
            }
            _ => value,
        }
    }

    fn object(&mut self, map: &Map<String, Value>, depth: usize) -> Value {
        let minimal = self.minimal(depth);
        let required: BTreeSet<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let hidden_flag = match self.view {
            View::Request => "readOnly",
            View::Response => "writeOnly",
        };
        let mut object = Map::new();
        if let Some(Value::Object(properties)) = map.get("properties") {
            for (name, property) in properties {
                let is_required = required.contains(name.as_str());
                // `false`: the view forbids the property (a writeOnly one in a response). An
                // optional one whose every value is one no reader can map (see
                // `discriminator::unnameable`: Spotify's `item`) is better left out.
                if property == &Value::Bool(false)
                    || (!is_required
                        && (minimal
                            || has_flag(self.document, property, hidden_flag, 0)
                            || discriminator::unnameable(self.document, property)))
                {
                    continue;
                }
                let value = self.value(property, depth + 1);
                object.insert(name.clone(), value);
            }
        }
        let extra_schema = match map.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(schema @ Value::Object(_)) => Some(schema.clone()),
            _ => Some(json!({ "type": "string" })),
        };
        for name in &required {
            if !object.contains_key(*name) {
                let schema = extra_schema.clone().unwrap_or(Value::Bool(true));
                let value = self.value(&schema, depth + 1);
                object.insert((*name).to_string(), value);
            }
        }
        let min_properties = map
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let is_map = map.get("properties").is_none()
            && matches!(map.get("additionalProperties"), Some(Value::Object(_)));
        let wanted = min_properties.max(usize::from(is_map && !minimal));
        if let Some(schema) = extra_schema {
            let mut n = 1;
            while object.len() < wanted && n < 1000 {
                let key = format!("additionalProp{n}");
                if !object.contains_key(&key) {
                    let value = self.value(&schema, depth + 1);
                    object.insert(key, value);
                }
                n += 1;
            }
        }
        if let Some(max) = map.get("maxProperties").and_then(Value::as_u64) {
            let optional: Vec<String> = object
                .keys()
                .filter(|k| !required.contains(k.as_str()))
                .cloned()
                .collect();
            for key in optional.into_iter().rev() {
                if object.len() as u64 <= max {
                    break;
                }
                object.shift_remove(&key);
            }
        }
        Value::Object(object)
    }

    fn array(&mut self, map: &Map<String, Value>, depth: usize) -> Value {
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map
            .get("maxItems")
            .and_then(Value::as_u64)
            .map(|m| m as usize)
            .unwrap_or(usize::MAX);
        let prefix: &[Value] = map
            .get("prefixItems")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let items = map
            .get("items")
            .filter(|i| i.is_object())
            .cloned()
            .unwrap_or(Value::Bool(true));
        // Items no reader can map (see `unnameable`) only as many as the array needs.
        let target = if self.minimal(depth) || discriminator::unnameable(self.document, &items) {
            min
        } else {
            min.max(1)
        }
        .min(max)
        .max(prefix.len().min(max));
        let unique = map.get("uniqueItems") == Some(&Value::Bool(true));
        let mut out: Vec<Value> = Vec::with_capacity(target);
        if let Some(contains) = map.get("contains") {
            out.push(self.value(contains, depth + 1));
        }
        let mut attempts = 0;
        while out.len() < target && attempts < target * 10 + 10 {
            attempts += 1;
            let schema = prefix.get(out.len()).unwrap_or(&items);
            let value = self.value(schema, depth + 1);
            if unique && out.contains(&value) {
                continue;
            }
            out.push(value);
        }
        Value::Array(out)
    }

    fn integer(&mut self, map: &Map<String, Value>) -> Value {
        let (low, high) = integer_bounds(map);
        let step = map
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m >= 1.0 && m.fract() == 0.0)
            .map_or(1, |m| m as i128);
        // Draw a multiplier so that multiples of `step` are found even in narrow ranges.
        let (k_low, k_high) = (div_ceil(low, step), high.div_euclid(step));
        let (k_low, k_high) = near_zero(k_low, k_high.max(k_low));
        let value = self.rng.random_range(k_low..=k_high) * step;
        i64::try_from(value)
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(value as f64))
    }

    fn number(&mut self, map: &Map<String, Value>) -> Value {
        let bound = |key: &str| map.get(key).and_then(Value::as_f64);
        let low = bound("minimum")
            .or(bound("exclusiveMinimum").map(|x| x + 0.5f64.min(x.abs() * 0.01 + 0.01)));
        let high = bound("maximum")
            .or(bound("exclusiveMaximum").map(|x| x - 0.5f64.min(x.abs() * 0.01 + 0.01)));
        let (low, high) = match (low, high) {
            (Some(l), Some(h)) => (l, h.max(l)),
            (Some(l), None) => (l, l + 100.0),
            (None, Some(h)) => (h - 100.0, h),
            (None, None) => (0.0, 100.0),
        };
        if let Some(step) = bound("multipleOf").filter(|m| *m > 0.0) {
            let (k_low, k_high) = ((low / step).ceil() as i64, (high / step).floor() as i64);
            let k = if k_low <= k_high {
                self.rng.random_range(k_low..=k_high)
            } else {
                k_low
            };
            return Number::from_f64(k as f64 * step)
                .map(Value::Number)
                .unwrap_or(json!(0));
        }
        let raw: f64 = low + (high - low) * self.rng.random::<f64>();
        let rounded = (raw * 100.0).round() / 100.0;
        let value = if rounded >= low && rounded <= high {
            rounded
        } else {
            raw
        };
        Number::from_f64(value)
            .map(Value::Number)
            .unwrap_or(json!(0))
    }
}

/// The schema's own example: 3.1 `examples[0]`, 3.0 `example`, then `default`.
fn schema_example(map: &Map<String, Value>) -> Option<&Value> {
    map.get("examples")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
        .or_else(|| map.get("example"))
        .or_else(|| map.get("default"))
}

/// Keywords that constrain values (as opposed to annotations such as `description`).
fn is_constraint(key: &str) -> bool {
    !matches!(
        key,
        "description"
            | "title"
            | "example"
            | "examples"
            | "default"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
            | "xml"
            | "externalDocs"
            | "$comment"
            | "summary"
    ) && !key.starts_with("x-")
}

/// The range the schema allows for an integer (unbounded sides stop at the i64 range). Bounds
/// beyond 2^120 (a 128-bit `minimum` in a real document) are taken as 2^120, so that the
/// arithmetic on them cannot overflow.
fn integer_bounds(map: &Map<String, Value>) -> (i128, i128) {
    const LIMIT: f64 = (1u128 << 120) as f64;
    let bound = |key: &str| {
        map.get(key)
            .and_then(Value::as_f64)
            .map(|x| x.clamp(-LIMIT, LIMIT))
    };
    let low = bound("minimum")
        .map(|x| x.ceil() as i128)
        .or(bound("exclusiveMinimum").map(|x| x.floor() as i128 + 1))
        .unwrap_or(i128::from(i64::MIN));
    let high = bound("maximum")
        .map(|x| x.floor() as i128)
        .or(bound("exclusiveMaximum").map(|x| x.ceil() as i128 - 1))
        .unwrap_or(i128::from(i64::MAX));
    (low, high.max(low))
}

/// A window of at most 101 values of `[low, high]`, as close to zero as it allows: an `int32`
/// should read as a count, not as -1389981391.
fn near_zero(low: i128, high: i128) -> (i128, i128) {
    let start = low.max(0).min(high);
    (start, high.min(start + 100))
}

fn div_ceil(a: i128, b: i128) -> i128 {
    -((-a).div_euclid(b))
}

/// Merges `branch` into `target` as `allOf` does: properties and `required` are combined,
/// bounds take the stricter value, other keywords keep the first.
fn merge_into(target: &mut Map<String, Value>, branch: &Map<String, Value>) {
    for (key, value) in branch {
        match (key.as_str(), target.get_mut(key)) {
            (_, None) => {
                target.insert(key.clone(), value.clone());
            }
            ("properties", Some(Value::Object(existing))) => {
                if let Value::Object(incoming) = value {
                    for (name, schema) in incoming {
                        match existing.get(name) {
                            Some(current) if current != schema => {
                                let both = json!({ "allOf": [current.clone(), schema.clone()] });
                                existing.insert(name.clone(), both);
                            }
                            Some(_) => {}
                            None => {
                                existing.insert(name.clone(), schema.clone());
                            }
                        }
                    }
                }
            }
            ("required", Some(Value::Array(existing))) => {
                for name in value.as_array().into_iter().flatten() {
                    if !existing.contains(name) {
                        existing.push(name.clone());
                    }
                }
            }
            // Keywords holding a subschema: a value must satisfy both branches' (NPR's base
            // document's `items: [object]`, narrowed to items that are documents too).
            ("items" | "contains" | "propertyNames", Some(existing))
                if existing != value && existing.is_object() && value.is_object() =>
            {
                *existing = json!({ "allOf": [existing.clone(), value.clone()] });
            }
            ("type", Some(existing)) if existing == "number" && value == "integer" => {
                *existing = value.clone();
            }
            ("minimum" | "minLength" | "minItems" | "minProperties", Some(existing))
                if value.as_f64() > existing.as_f64() =>
            {
                *existing = value.clone();
            }
            ("maximum" | "maxLength" | "maxItems" | "maxProperties", Some(existing))
                if value.as_f64() < existing.as_f64() =>
            {
                *existing = value.clone();
            }
            _ => {}
        }
    }
}
